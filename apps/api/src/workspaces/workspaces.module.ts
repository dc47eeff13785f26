import { DynamicModule, Module } from '@nestjs/common';
import { AdminWorkspacesController } from './admin-workspaces.controller';
import { ApiKeysService } from './api-keys.service';
import { OwnApiKeysController } from './own-api-keys.controller';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceOriginGuard } from './workspace-origin.guard';
import { WorkspaceOrigins } from './workspace-origins';
import { WORKSPACE_JOBS, WorkspaceJobsOptions, WorkspacePurge } from './workspace-purge';
import { WorkspacesService } from './workspaces.service';

/** Workspaces and their API keys (DESIGN.md layout: `apps/api/src/workspaces`), their origins and their purge. */
@Module({})
export class WorkspacesModule {
  static forRoot(jobs: WorkspaceJobsOptions): DynamicModule {
    return {
      module: WorkspacesModule,
      controllers: [AdminWorkspacesController, WorkspaceController, OwnApiKeysController],
      providers: [{ provide: WORKSPACE_JOBS, useValue: jobs }, WorkspacesService, ApiKeysService, WorkspaceOrigins, WorkspaceOriginGuard, WorkspacePurge],
      exports: [WorkspaceOrigins, WorkspaceOriginGuard, WorkspacePurge],
    };
  }
}
