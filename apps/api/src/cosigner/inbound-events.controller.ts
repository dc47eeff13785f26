import { applyDecorators, Controller, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AccessProblems, ProviderSigned, unauthenticated } from '@ringfence/access';
import { AuditedInService } from '@ringfence/audit';
import type { FastifyRequest } from 'fastify';
import { TokenBody } from '../http/body-limits';
import { HttpBoundaryProblems } from '../http/http-boundary.problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { InboundEventSignature, verifiedInboundEventOf } from './inbound/inbound-event.authenticator';
import { InboundProviderEvents } from './inbound/inbound-events';

/** A provider's event is at most this long: refused 413 before it is read whole, verified or parsed. */
export const INBOUND_EVENT_MAX_BYTES = 256 * 1024;

export class InboundEventReceivedDto {
  @ApiProperty({
    enum: [true],
    description: 'The same answer whatever the event was (applied, already seen, about no transfer of ours, ignored).',
  })
  received!: true;
}

/** What a provider's webhook is: authenticated by its signature over the body as received, capped, processed and audited in the service. */
const InboundEventRoute = (): MethodDecorator =>
  applyDecorators(
    ProviderSigned(),
    InboundEventSignature(),
    AuditedInService('provider_event.receive'),
    TokenBody(INBOUND_EVENT_MAX_BYTES),
    HttpCode(HttpStatus.OK),
    ApiConsumes('application/json'),
    ApiHeader({
      name: 'Fireblocks-Signature',
      required: false,
      description:
        "`fireblocks` scheme: base64 RSA-SHA512 of the body's exact bytes with the provider's webhook key (`webhook-<provider>.pub.vN.pem`).",
    }),
    ApiHeader({
      name: 'webhook-id',
      required: false,
      description: '`standard` scheme (Standard Webhooks): the event id, remembered (a replay is answered 200 and does nothing).',
    }),
    ApiHeader({
      name: 'webhook-timestamp',
      required: false,
      description: '`standard` scheme: seconds since the epoch, within 5 minutes of our clock either way.',
    }),
    ApiHeader({
      name: 'webhook-signature',
      required: false,
      description:
        '`standard` scheme: space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; any one valid under a `webhook-<provider>.secret.vN.key` passes.',
    }),
    ApiBody({
      description:
        "The provider's event, JSON, verified over these exact bytes before anything parses it. Read: `type` `TRANSACTION_STATUS_UPDATED` (or `eventType` `transaction.status.updated`) with `data.externalTxId`, `data.id`, `data.status`, `data.subStatus`; any other event is answered and ignored.",
      schema: {
        type: 'object',
        additionalProperties: true,
        example: {
          type: 'TRANSACTION_STATUS_UPDATED',
          data: { id: 'sim-…', externalTxId: '<workspaceId>:live:<key>', status: 'COMPLETED' },
        },
      },
    }),
    ApiOkResponse({ type: InboundEventReceivedDto, description: 'Received: processed once (a replay does nothing).' }),
    ApiProblems(AccessProblems.UNAUTHENTICATED, HttpBoundaryProblems.PAYLOAD_TOO_LARGE),
  );

/**
 * A custody provider's transaction events (docs/routes.md: `/v1/inbound/:provider/webhooks`,
 * docs/adr/0022), authenticated by their signature alone, in the provider's scheme: a status
 * update ends the transfer it names (completed, failed, cancelled, rejected at the provider).
 */
@ApiTags('cosigner (provider)')
@Controller('v1/inbound/:provider')
export class InboundEventsController {
  constructor(private readonly events: InboundProviderEvents) {}

  @Post('webhooks')
  @InboundEventRoute()
  @ApiOperation({ operationId: 'inbound.webhooks.receive', summary: "Receive the custody provider's transaction events" })
  async receive(@Param('provider') _provider: string, @Req() request: FastifyRequest): Promise<InboundEventReceivedDto> {
    const verified = verifiedInboundEventOf(request);
    // The gate admitted the request only through the inbound authenticator, which leaves this.
    if (!verified) throw unauthenticated();
    await this.events.receive(verified.provider, verified.eventId, verified.body);
    return { received: true };
  }
}
