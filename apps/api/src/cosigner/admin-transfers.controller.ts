import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles } from '@ringfence/access';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { EnvironmentQuery } from './policies/dto/policy.dto';
import { PolicyVersions } from './policies/policy-versions';
import { AdminTransferListQuery, AdminTransferParams, TransferDto, TransferPageDto } from './transfers/dto/transfer.dto';
import { TransfersService } from './transfers/transfers.service';

/**
 * A workspace's transfers, admin side (docs/routes.md: `/v1/admin/workspaces/:id/transfers`,
 * `?environment=live|test`): the same list and reads the workspace's keys have, through the
 * same service. Read-only, so the auditor reads them too, as it reads workspaces.
 */
@ApiTags('transfers (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces/:id/transfers')
export class AdminTransfersController {
  constructor(
    private readonly policies: PolicyVersions,
    private readonly transfers: TransfersService,
  ) {}

  @Get()
  @AdminRoles('owner', 'admin', 'auditor')
  @ApiOkResponse({ type: TransferPageDto, description: 'Newest first; `nextCursor` reads the next page.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.transfers.list', summary: "List a workspace's transfers with their decisions" })
  async list(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: AdminTransferListQuery): Promise<TransferPageDto> {
    // The workspace must exist (else 404); its transfers are read on the platform path, scoped by workspace and environment.
    return this.transfers.list(await this.policies.workspace(id, query.environment), query);
  }

  @Get(':transferId')
  @AdminRoles('owner', 'admin', 'auditor')
  @ApiOkResponse({ type: TransferDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.transfers.get', summary: "Get a workspace's transfer with its decision" })
  async get(@Param() params: AdminTransferParams, @Query() query: EnvironmentQuery): Promise<TransferDto> {
    return this.transfers.get(await this.policies.workspace(params.id, query.environment), params.transferId);
  }
}
