import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { AdminWorkspacesController } from './admin-workspaces.controller';
import { ApiKeyAuthOptions } from './api-keys/api-key-auth.options';
import { API_KEY_CONTROLLERS, API_KEY_EXPORTS, apiKeyProviders } from './api-keys/api-keys.providers';
import { KEY_WORKSPACES } from './api-keys/api-keys.service';
import { WorkspaceOriginCheck } from './workspace-origin.check';
import { WorkspaceOrigins } from './workspace-origins';
import { WorkspaceExport } from './workspace-export';
import { WorkspacePurge } from './workspace-purge';
import { WorkspaceController } from './workspace.controller';
import { WorkspacesService } from './workspaces.service';

export interface WorkspacesModuleOptions {
  apiKeys: ApiKeyAuthOptions;
  /** A channel shared by every instance (Redis); in-process otherwise. */
  keyRevocations?: Provider;
}

/**
 * Workspaces and everything about their API keys (one home: `api-keys/` is the only code
 * that writes `api_keys`), their browser origins and their purge. Global because the
 * AccessGate resolves the `api_key` authenticator from here.
 */
@Global()
@Module({})
export class WorkspacesModule {
  static forRoot(options: WorkspacesModuleOptions): DynamicModule {
    return {
      module: WorkspacesModule,
      controllers: [AdminWorkspacesController, WorkspaceController, ...API_KEY_CONTROLLERS],
      providers: [
        WorkspacesService,
        { provide: KEY_WORKSPACES, useExisting: WorkspacesService },
        WorkspaceOrigins,
        WorkspaceOriginCheck,
        WorkspacePurge,
        WorkspaceExport,
        ...apiKeyProviders(options.apiKeys, options.keyRevocations),
      ],
      exports: [WorkspaceOrigins, WorkspaceOriginCheck, WorkspacePurge, ...API_KEY_EXPORTS],
    };
  }
}
