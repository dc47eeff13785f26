import { Module } from '@nestjs/common';
import { AdminWorkspacesController } from './admin-workspaces.controller';
import { ApiKeysService } from './api-keys.service';
import { OwnApiKeysController } from './own-api-keys.controller';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceOriginGuard } from './workspace-origin.guard';
import { WorkspaceOrigins } from './workspace-origins';
import { WorkspacePurge } from './workspace-purge';
import { WorkspacesService } from './workspaces.service';

/** Workspaces and their API keys (DESIGN.md layout: `apps/api/src/workspaces`), their origins and their purge. */
@Module({
  controllers: [AdminWorkspacesController, WorkspaceController, OwnApiKeysController],
  providers: [WorkspacesService, ApiKeysService, WorkspaceOrigins, WorkspaceOriginGuard, WorkspacePurge],
  exports: [WorkspaceOrigins, WorkspaceOriginGuard, WorkspacePurge],
})
export class WorkspacesModule {}
