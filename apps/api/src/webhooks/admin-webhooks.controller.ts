import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminRoles } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import {
  AdminWebhookDeliveryListQuery,
  AdminWebhookDeliveryParams,
  RecoveredWebhookDeliveriesDto,
  RecoverWebhookDeliveriesDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
} from './deliveries/dto/webhook-delivery.dto';
import { WebhookDeliveries } from './deliveries/webhook-deliveries';
import {
  AdminWebhookEndpointParams,
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  RotatedWebhookSecretDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEnvironmentQuery,
  WebhookTestDto,
} from './endpoints/dto/webhook-endpoint.dto';
import { WebhookEndpoints } from './endpoints/webhook-endpoints';
import { WebhookProblems } from './webhooks.problems';

/**
 * A workspace's webhooks, admin side (docs/routes.md: `/v1/admin/workspaces/:id/webhooks`,
 * `?environment=live|test`, roles owner and admin): the same endpoints and deliveries the
 * workspace's keys see, through the same services.
 */
@ApiTags('webhooks (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces/:id/webhooks')
export class AdminWebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  @Post('endpoints')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.create')
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto, description: 'The signing secret is in this answer and never again.' })
  @ApiProblems(
    RequestProblems.NOT_FOUND,
    WebhookProblems.ENDPOINT_URL_REFUSED,
    WebhookProblems.ENDPOINT_LIMIT_REACHED,
    WebhookProblems.UNKNOWN_EVENT_TYPE,
  )
  @ApiOperation({
    operationId: 'workspaces.webhooks.endpoints.create',
    summary: "Create a workspace's webhook endpoint (secret shown once)",
  })
  async create(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: WebhookEnvironmentQuery,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(await this.endpoints.workspace(id, query.environment), body);
  }

  @Get('endpoints')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: [WebhookEndpointDto] })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.list', summary: "List a workspace's webhook endpoints" })
  async list(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: WebhookEnvironmentQuery): Promise<WebhookEndpointDto[]> {
    return this.endpoints.list(await this.endpoints.workspace(id, query.environment));
  }

  @Get('endpoints/:endpointId')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.get', summary: "Get a workspace's webhook endpoint" })
  async get(@Param() params: AdminWebhookEndpointParams, @Query() query: WebhookEnvironmentQuery): Promise<WebhookEndpointDto> {
    return this.endpoints.get(await this.endpoints.workspace(params.id, query.environment), params.endpointId);
  }

  @Patch('endpoints/:endpointId')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.update')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_URL_REFUSED, WebhookProblems.UNKNOWN_EVENT_TYPE)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.update', summary: "Update a workspace's webhook endpoint" })
  async update(
    @Param() params: AdminWebhookEndpointParams,
    @Query() query: WebhookEnvironmentQuery,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(await this.endpoints.workspace(params.id, query.environment), params.endpointId, body);
  }

  @Delete('endpoints/:endpointId')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted with its deliveries and their attempts.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.delete', summary: "Delete a workspace's webhook endpoint" })
  async delete(@Param() params: AdminWebhookEndpointParams, @Query() query: WebhookEnvironmentQuery): Promise<void> {
    await this.endpoints.delete(await this.endpoints.workspace(params.id, query.environment), params.endpointId);
  }

  @Post('endpoints/:endpointId/rotate-secret')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.rotate_secret')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ type: RotateWebhookSecretDto, required: false })
  @ApiOkResponse({ type: RotatedWebhookSecretDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({
    operationId: 'workspaces.webhooks.endpoints.rotateSecret',
    summary: "Rotate a workspace endpoint's signing secret (shown once)",
  })
  async rotateSecret(
    @Param() params: AdminWebhookEndpointParams,
    @Query() query: WebhookEnvironmentQuery,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<RotatedWebhookSecretDto> {
    return this.endpoints.rotateSecret(await this.endpoints.workspace(params.id, query.environment), params.endpointId, body);
  }

  @Post('endpoints/:endpointId/test')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.test')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: WebhookTestDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.test', summary: "Send a webhook.test event to a workspace's endpoint" })
  async test(@Param() params: AdminWebhookEndpointParams, @Query() query: WebhookEnvironmentQuery): Promise<WebhookTestDto> {
    return this.endpoints.test(await this.endpoints.workspace(params.id, query.environment), params.endpointId);
  }

  @Post('endpoints/:endpointId/recover')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_endpoint.recover')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: RecoveredWebhookDeliveriesDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'workspaces.webhooks.endpoints.recover', summary: "Send again a workspace endpoint's failed deliveries" })
  async recover(
    @Param() params: AdminWebhookEndpointParams,
    @Query() query: WebhookEnvironmentQuery,
    @Body() body: RecoverWebhookDeliveriesDto,
  ): Promise<RecoveredWebhookDeliveriesDto> {
    return this.deliveries.recover(await this.endpoints.workspace(params.id, query.environment), params.endpointId, new Date(body.since));
  }

  @Get('deliveries')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.webhooks.deliveries.list', summary: "List a workspace's webhook deliveries" })
  async deliveriesList(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: AdminWebhookDeliveryListQuery,
  ): Promise<WebhookDeliveryPageDto> {
    return this.deliveries.list(await this.endpoints.workspace(id, query.environment), query);
  }

  @Get('deliveries/:deliveryId')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.webhooks.deliveries.get', summary: "Get a workspace's webhook delivery" })
  async delivery(@Param() params: AdminWebhookDeliveryParams, @Query() query: WebhookEnvironmentQuery): Promise<WebhookDeliveryDetailDto> {
    return this.deliveries.get(await this.endpoints.workspace(params.id, query.environment), params.deliveryId);
  }

  @Post('deliveries/:deliveryId/replay')
  @AdminRoles('owner', 'admin')
  @Audited('webhook_delivery.replay')
  @HttpCode(HttpStatus.CREATED)
  @ApiCreatedResponse({ type: WebhookDeliveryDto })
  @ApiProblems(RequestProblems.NOT_FOUND, WebhookProblems.DELIVERY_PENDING, WebhookProblems.ENDPOINT_DISABLED)
  @ApiOperation({ operationId: 'workspaces.webhooks.deliveries.replay', summary: "Send a workspace's finished delivery again" })
  async replay(@Param() params: AdminWebhookDeliveryParams, @Query() query: WebhookEnvironmentQuery): Promise<WebhookDeliveryDto> {
    return this.deliveries.replay(await this.endpoints.workspace(params.id, query.environment), params.deliveryId);
  }
}
