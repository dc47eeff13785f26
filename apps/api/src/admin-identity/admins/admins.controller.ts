import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles, StepUp } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { AdminManagement } from './admin-management';
import { AdminDto, AdminPageDto, CreateAdminDto, CreatedAdminDto, UpdateAdminDto } from './dto/admins.dto';
import { PageQuery } from '../../paging/page-query';

/** Owners manage the platform's admins. Granting a role (create, change) or a status change needs a fresh second factor. */
@ApiTags('admins')
@ApiBearerAuth('admin')
@Controller('v1/admin/admins')
export class AdminsController {
  constructor(private readonly management: AdminManagement) {}

  @Get()
  @AdminRoles('owner')
  @ApiOkResponse({ type: AdminPageDto, description: 'Newest first; `nextCursor` reads the next page.' })
  @ApiOperation({ operationId: 'admins.list', summary: 'List the platform admins' })
  list(@Query() query: PageQuery): Promise<AdminPageDto> {
    return this.management.list(query);
  }

  @Get(':id')
  @AdminRoles('owner')
  @ApiOkResponse({ type: AdminDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'admins.get', summary: 'Get a platform admin' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<AdminDto> {
    return this.management.get(id);
  }

  @Post()
  @AdminRoles('owner')
  @StepUp()
  @Audited('admin.create')
  @ApiCreatedResponse({ type: CreatedAdminDto, description: 'The one-time password is shown once.' })
  @ApiProblems(AdminIdentityProblems.ADMIN_EXISTS)
  @ApiOperation({ operationId: 'admins.create', summary: 'Create a platform admin (one-time password shown once)' })
  create(@Body() body: CreateAdminDto): Promise<CreatedAdminDto> {
    return this.management.create(body.email, body.role);
  }

  @Patch(':id')
  @AdminRoles('owner')
  @StepUp()
  @Audited('admin.update')
  @ApiOkResponse({ type: AdminDto, description: 'Disabling ends every session of the admin at once.' })
  @ApiProblems(AdminIdentityProblems.LAST_OWNER, RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'admins.update', summary: "Change an admin's role or disable them" })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateAdminDto): Promise<AdminDto> {
    return this.management.update(id, body);
  }
}
