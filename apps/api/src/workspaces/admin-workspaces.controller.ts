import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessProblems, AdminRoles, StepUp } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceDto, WorkspaceListQuery, WorkspacePageDto } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';
import { WorkspaceProblems } from './workspaces.problems';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { WorkspaceExport } from './workspace-export';

/** Workspaces, admin side (docs/routes.md: `/v1/admin/workspaces`, role admin). */
@ApiTags('workspaces (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces')
export class AdminWorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly exports: WorkspaceExport,
  ) {}

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

  /**
   * Everything the workspace holds, both environments, as one NDJSON stream
   * (docs/adr/0028-workspace-export.md): never a key, a hash, a secret or a sealed value.
   * The audit row (counts per resource, never data) commits before the first byte is sent.
   */
  @Post(':id/export')
  @AdminRoles('owner')
  @StepUp()
  @Audited('workspace.export')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    description:
      'An attachment, one JSON object per line: a header (`format`, `version`, `workspaceId`, `startedAt`), one `{"resource", "data"}` line per row, and a last line `{"end": true, "counts"}`; an archive without that last line is incomplete.',
    content: { 'application/x-ndjson': { schema: { type: 'string', description: 'One JSON object per line.' } } },
  })
  @ApiProblems(RequestProblems.NOT_FOUND, AccessProblems.INSUFFICIENT_ROLE, AccessProblems.STEP_UP_REQUIRED)
  @ApiOperation({ operationId: 'workspaces.export', summary: "Export a workspace's data as NDJSON (owner, step-up)" })
  async export(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    const startedAt = new Date();
    await this.exports.begin(id);
    return new StreamableFile(Readable.from(this.exports.lines(id, startedAt)), {
      type: 'application/x-ndjson',
      disposition: `attachment; filename="workspace-${id}-export.ndjson"`,
    });
  }
}
