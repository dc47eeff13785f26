import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { RequestContext } from '@ringfence/tenancy';
import { IdempotencyKey, Idempotent } from '../idempotency/idempotent.decorator';
import { ApiProblems } from '../openapi/api-problems.decorator';
import type { PolicyOwner } from './policies/policy-versions';
import { CreateTransferDto, TransferDto, TransferListQuery, TransferPageDto, TransferParams } from './transfers/dto/transfer.dto';
import { TransfersService } from './transfers/transfers.service';

/**
 * The calling key's transfer intents (docs/routes.md: `/v1/transfers`): submitted once per
 * `Idempotency-Key`, then asked about by the provider's co-signer, which our policy answers;
 * listed and read with their decision.
 */
@ApiTags('transfers')
@ApiBearerAuth('apiKey')
@Controller('v1/transfers')
export class TransfersController {
  constructor(
    private readonly transfers: TransfersService,
    private readonly context: RequestContext,
  ) {}

  @Post()
  @Scopes('transfers:write')
  @Audited('transfer.create')
  @Idempotent()
  @ApiCreatedResponse({
    type: TransferDto,
    description:
      'Recorded as `submitted`, then handed to the custody provider; its co-signer asks our policy before it signs. Its `externalTxId` is `<workspaceId>:<environment>:<Idempotency-Key>`.',
  })
  @ApiOperation({ operationId: 'transfers.create', summary: 'Submit a transfer' })
  create(@Body() body: CreateTransferDto, @IdempotencyKey() key: string): Promise<TransferDto> {
    return this.transfers.create(this.owner(), body, key);
  }

  @Get()
  @Scopes('transfers:read')
  @ApiOkResponse({ type: TransferPageDto, description: 'Newest first; `nextCursor` reads the next page.' })
  @ApiOperation({ operationId: 'transfers.list', summary: 'List transfers' })
  list(@Query() query: TransferListQuery): Promise<TransferPageDto> {
    return this.transfers.list(this.owner(), query);
  }

  @Get(':id')
  @Scopes('transfers:read')
  @ApiOkResponse({ type: TransferDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'transfers.get', summary: 'Get a transfer with its decision' })
  get(@Param() params: TransferParams): Promise<TransferDto> {
    return this.transfers.get(this.owner(), params.id);
  }

  private owner(): PolicyOwner {
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    return { workspaceId, environment };
  }
}
