import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminRolesOrScopes, callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { RequestContext } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { RecoveredWebhookDeliveriesDto, RecoverWebhookDeliveriesDto } from './deliveries/dto/webhook-delivery.dto';
import { WebhookDeliveries } from './deliveries/webhook-deliveries';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  EventTypeDto,
  RotatedWebhookSecretDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointParams,
  WebhookTestDto,
} from './endpoints/dto/webhook-endpoint.dto';
import { WebhookEndpoints, WebhookOwner } from './endpoints/webhook-endpoints';
import { EVENT_CATALOGUE } from './events/event-catalogue';
import { WebhookProblems } from './webhooks.problems';

/**
 * A workspace's webhook endpoints (docs/routes.md: `/v1/webhooks/endpoints`, scopes
 * `webhooks:read` and `webhooks:write`): the calling key's workspace and environment; an
 * endpoint elsewhere is a 404, like one nowhere. The signing secret is shown at creation and
 * rotation only.
 */
@ApiTags('webhooks')
@ApiBearerAuth('apiKey')
@ApiExtraModels(...EVENT_CATALOGUE.map((entry) => entry.data))
@Controller('v1/webhooks')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
    private readonly context: RequestContext,
  ) {}

  @Get('event-types')
  // The catalogue is the same for every workspace: the console's admins read it to subscribe an endpoint.
  @AdminRolesOrScopes({ roles: ['owner', 'admin'], scopes: ['webhooks:read'] })
  @ApiBearerAuth('admin')
  @ApiOkResponse({
    type: [EventTypeDto],
    description: `Every event an endpoint can subscribe to. A delivery's body is {"type", "timestamp", "data"}; each type's data: ${EVENT_CATALOGUE.map(
      (entry) => `${entry.type} → ${entry.data.name}`,
    ).join('; ')}.`,
  })
  @ApiOperation({ operationId: 'webhooks.eventTypes.list', summary: 'List the webhook event types' })
  eventTypes(): EventTypeDto[] {
    return EVENT_CATALOGUE.map((entry) => ({ type: entry.type, description: entry.description, schema: entry.data.name }));
  }

  @Post('endpoints')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.create')
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto, description: 'The signing secret is in this answer and never again.' })
  @ApiProblems(WebhookProblems.ENDPOINT_URL_REFUSED, WebhookProblems.ENDPOINT_LIMIT_REACHED, WebhookProblems.UNKNOWN_EVENT_TYPE)
  @ApiOperation({ operationId: 'webhooks.endpoints.create', summary: 'Create a webhook endpoint (secret shown once)' })
  create(@Body() body: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(this.owner(), body);
  }

  @Get('endpoints')
  @Scopes('webhooks:read')
  @ApiOkResponse({ type: [WebhookEndpointDto] })
  @ApiOperation({ operationId: 'webhooks.endpoints.list', summary: 'List webhook endpoints' })
  list(): Promise<WebhookEndpointDto[]> {
    return this.endpoints.list(this.owner());
  }

  @Get('endpoints/:id')
  @Scopes('webhooks:read')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'webhooks.endpoints.get', summary: 'Get a webhook endpoint' })
  get(@Param() params: WebhookEndpointParams): Promise<WebhookEndpointDto> {
    return this.endpoints.get(this.owner(), params.id);
  }

  @Patch('endpoints/:id')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.update')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_URL_REFUSED, WebhookProblems.UNKNOWN_EVENT_TYPE)
  @ApiOperation({ operationId: 'webhooks.endpoints.update', summary: 'Update a webhook endpoint' })
  update(@Param() params: WebhookEndpointParams, @Body() body: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    return this.endpoints.update(this.owner(), params.id, body);
  }

  @Delete('endpoints/:id')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted with its deliveries and their attempts.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'webhooks.endpoints.delete', summary: 'Delete a webhook endpoint' })
  async delete(@Param() params: WebhookEndpointParams): Promise<void> {
    await this.endpoints.delete(this.owner(), params.id);
  }

  @Post('endpoints/:id/rotate-secret')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.rotate_secret')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ type: RotateWebhookSecretDto, required: false })
  @ApiOkResponse({ type: RotatedWebhookSecretDto, description: 'The new secret, shown once; both sign until the old one’s grace ends.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'webhooks.endpoints.rotateSecret', summary: "Rotate an endpoint's signing secret (shown once)" })
  rotateSecret(@Param() params: WebhookEndpointParams, @Body() body: RotateWebhookSecretDto): Promise<RotatedWebhookSecretDto> {
    return this.endpoints.rotateSecret(this.owner(), params.id, body);
  }

  @Post('endpoints/:id/test')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.test')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: WebhookTestDto, description: 'A `webhook.test` event queued for this endpoint alone.' })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'webhooks.endpoints.test', summary: 'Send a webhook.test event to an endpoint' })
  test(@Param() params: WebhookEndpointParams): Promise<WebhookTestDto> {
    return this.endpoints.test(this.owner(), params.id);
  }

  @Post('endpoints/:id/recover')
  @Scopes('webhooks:write')
  @Audited('webhook_endpoint.recover')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: RecoveredWebhookDeliveriesDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'webhooks.endpoints.recover', summary: "Send again an endpoint's failed deliveries since a time" })
  recover(@Param() params: WebhookEndpointParams, @Body() body: RecoverWebhookDeliveriesDto): Promise<RecoveredWebhookDeliveriesDto> {
    return this.deliveries.recover(this.owner(), params.id, new Date(body.since));
  }

  private owner(): WebhookOwner {
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    return { workspaceId, environment };
  }
}
