import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceDto, WorkspaceListQuery, WorkspacePageDto } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';
import { WorkspaceProblems } from './workspaces.problems';
import { Idempotent } from '../idempotency/idempotent.decorator';

/** Workspaces, admin side (docs/routes.md: `/v1/admin/workspaces`, role admin). */
@ApiTags('workspaces (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces')
export class AdminWorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post()
  @AdminRoles('owner', 'admin')
  @Audited('workspace.create')
  @Idempotent({ required: false })
  @ApiCreatedResponse({ type: WorkspaceDto })
  @ApiProblems(WorkspaceProblems.UNKNOWN_PLAN)
  @ApiOperation({ operationId: 'workspaces.create', summary: 'Create a workspace' })
  create(@Body() body: CreateWorkspaceDto): Promise<WorkspaceDto> {
    return this.workspaces.create(body);
  }

  @Get()
  @AdminRoles('owner', 'admin', 'auditor')
  @ApiOkResponse({ type: WorkspacePageDto, description: 'Newest first; `nextCursor` reads the next page under the same filters.' })
  @ApiOperation({ operationId: 'workspaces.list', summary: 'List workspaces, by name and status' })
  list(@Query() query: WorkspaceListQuery): Promise<WorkspacePageDto> {
    return this.workspaces.list(query);
  }

  @Get(':id')
  @AdminRoles('owner', 'admin', 'auditor')
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiOperation({ operationId: 'workspaces.get', summary: 'Get a workspace' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.get(id);
  }

  @Patch(':id')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.update')
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiProblems(WorkspaceProblems.UNKNOWN_PLAN, RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.update', summary: "Update a workspace's name, origins or plan" })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateWorkspaceDto): Promise<WorkspaceDto> {
    return this.workspaces.update(id, body);
  }

  @Delete(':id')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Soft delete: gone from every route, keys refused at once.' })
  @ApiOperation({ operationId: 'workspaces.delete', summary: 'Delete a workspace and everything in it' })
  async delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.workspaces.delete(id);
  }

  @Post(':id/suspend')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.suspend')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WorkspaceDto, description: 'The workspace’s keys are refused from the next request on.' })
  @ApiOperation({ operationId: 'workspaces.suspend', summary: 'Suspend a workspace (its keys stop working)' })
  suspend(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.setStatus(id, 'suspended');
  }

  @Post(':id/reactivate')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.reactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiOperation({ operationId: 'workspaces.reactivate', summary: 'Reactivate a suspended workspace' })
  reactivate(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.setStatus(id, 'active');
  }
}
