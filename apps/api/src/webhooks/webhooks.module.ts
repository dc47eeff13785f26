import { DynamicModule, Module } from '@nestjs/common';
import { AdminWebhooksController } from './admin-webhooks.controller';
import { WebhookDeliveries } from './deliveries/webhook-deliveries';
import { WebhookDeliveryWorker } from './delivery/webhook-delivery-worker';
import { WebhookEndpoints } from './endpoints/webhook-endpoints';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WEBHOOKS_OPTIONS, WebhooksOptions } from './webhooks.options';

/**
 * Outbound webhooks (docs/adr/0021-webhook-delivery.md): endpoints with their sealed secrets,
 * the deliveries the domain events fan out to, and the worker that sends them (a cluster job:
 * it runs where RINGFENCE_ROLE is `worker` or `all`).
 */
@Module({})
export class WebhooksModule {
  static forRoot(options: WebhooksOptions): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhookEndpointsController, WebhookDeliveriesController, AdminWebhooksController],
      providers: [{ provide: WEBHOOKS_OPTIONS, useValue: options }, WebhookEndpoints, WebhookDeliveries, WebhookDeliveryWorker],
      exports: [WebhookDeliveryWorker],
    };
  }
}
