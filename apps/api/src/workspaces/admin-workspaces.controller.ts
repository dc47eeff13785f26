import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Audited } from '@ringfence/audit';
import { AccessProblems, AdminRoles } from '@ringfence/auth';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, CreateWorkspaceDto, RotateApiKeyDto, UpdateWorkspaceDto, WorkspaceDto } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';
import { WorkspaceProblems } from './workspaces.problems';

/** Workspaces and their API keys, admin side (API.md: `/v1/admin/workspaces`, role admin). */
@ApiTags('workspaces (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces')
export class AdminWorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  @AdminRoles('owner', 'admin')
  @Audited('workspace.create')
  @ApiCreatedResponse({ type: WorkspaceDto })
  @ApiProblems(WorkspaceProblems.UNKNOWN_PLAN)
  create(@Body() body: CreateWorkspaceDto): Promise<WorkspaceDto> {
    return this.workspaces.create(body);
  }

  @Get()
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: [WorkspaceDto] })
  list(): Promise<WorkspaceDto[]> {
    return this.workspaces.list();
  }

  @Get(':id')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: WorkspaceDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.get(id);
  }

  @Patch(':id')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.update')
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiProblems(WorkspaceProblems.UNKNOWN_PLAN, RequestProblems.NOT_FOUND)
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateWorkspaceDto): Promise<WorkspaceDto> {
    return this.workspaces.update(id, body);
  }

  @Delete(':id')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Soft delete: gone from every route, keys refused at once.' })
  async delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.workspaces.delete(id);
  }

  @Post(':id/suspend')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.suspend')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WorkspaceDto, description: 'The workspace’s keys are refused from the next request on.' })
  suspend(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.setStatus(id, 'suspended');
  }

  @Post(':id/reactivate')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.reactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WorkspaceDto })
  reactivate(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceDto> {
    return this.workspaces.setStatus(id, 'active');
  }

  @Post(':id/api-keys')
  @AdminRoles('owner', 'admin')
  @Audited('api_key.create')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is in this response and nowhere else, ever.' })
  @ApiProblems(WorkspaceProblems.WILDCARD_KEY_REFUSED, AccessProblems.INSUFFICIENT_ROLE, RequestProblems.NOT_FOUND)
  createKey(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(id, body);
  }

  @Get(':id/api-keys')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: [ApiKeyDto] })
  listKeys(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyDto[]> {
    return this.keys.list(id);
  }

  @Post(':id/api-keys/:keyId/rotate')
  @AdminRoles('owner', 'admin')
  @Audited('api_key.rotate')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The new key, shown once; the old one works for the grace period.' })
  rotateKey(@Param('id', new ParseUUIDPipe()) id: string, @Param('keyId') keyId: string, @Body() body: RotateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.rotate(id, keyId, body.gracePeriodSeconds);
  }

  @Delete(':id/api-keys/:keyId')
  @AdminRoles('owner', 'admin')
  @Audited('api_key.revoke')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked: refused from the next request on.' })
  async revokeKey(@Param('id', new ParseUUIDPipe()) id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.keys.revoke(id, keyId);
  }
}
