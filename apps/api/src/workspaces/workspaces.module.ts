import { Module } from '@nestjs/common';
import { AdminWorkspacesController } from './admin-workspaces.controller';
import { ApiKeysService } from './api-keys.service';
import { OwnApiKeysController } from './own-api-keys.controller';
import { WorkspaceController } from './workspace.controller';
import { WorkspacesService } from './workspaces.service';

/** Workspaces and their API keys (DESIGN.md layout: `apps/api/src/workspaces`). */
@Module({
  controllers: [AdminWorkspacesController, WorkspaceController, OwnApiKeysController],
  providers: [WorkspacesService, ApiKeysService],
})
export class WorkspacesModule {}
