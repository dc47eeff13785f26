import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { RequestContext } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import {
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryListQuery,
  WebhookDeliveryPageDto,
  WebhookDeliveryParams,
} from './deliveries/dto/webhook-delivery.dto';
import { WebhookDeliveries } from './deliveries/webhook-deliveries';
import type { WebhookOwner } from './endpoints/webhook-endpoints';
import { WebhookProblems } from './webhooks.problems';

/** A workspace's webhook deliveries and their attempts (docs/routes.md: `/v1/webhooks/deliveries`). */
@ApiTags('webhooks')
@ApiBearerAuth('apiKey')
@Controller('v1/webhooks/deliveries')
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: WebhookDeliveries,
    private readonly context: RequestContext,
  ) {}

  @Get()
  @Scopes('webhooks:read')
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'Newest first; each with its attempts (without the answers’ bodies).' })
  @ApiOperation({ operationId: 'webhooks.deliveries.list', summary: 'List webhook deliveries' })
  list(@Query() query: WebhookDeliveryListQuery): Promise<WebhookDeliveryPageDto> {
    return this.deliveries.list(this.owner(), query);
  }

  @Get(':id')
  @Scopes('webhooks:read')
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'webhooks.deliveries.get', summary: 'Get a webhook delivery with its attempts' })
  get(@Param() params: WebhookDeliveryParams): Promise<WebhookDeliveryDetailDto> {
    return this.deliveries.get(this.owner(), params.id);
  }

  @Post(':id/replay')
  @Scopes('webhooks:write')
  @Audited('webhook_delivery.replay')
  @HttpCode(HttpStatus.CREATED)
  @ApiCreatedResponse({ type: WebhookDeliveryDto, description: 'A new delivery of the same message (the same `webhook-id`).' })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.DELIVERY_PENDING, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'webhooks.deliveries.replay', summary: 'Send a finished delivery again' })
  replay(@Param() params: WebhookDeliveryParams): Promise<WebhookDeliveryDto> {
    return this.deliveries.replay(this.owner(), params.id);
  }

  private owner(): WebhookOwner {
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    return { workspaceId, environment };
  }
}
