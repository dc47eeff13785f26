import { Injectable } from '@nestjs/common';
import { Authenticator, mergeRouteConfig, unauthenticated } from '@ringfence/access';
import { SecurityEvents } from '@ringfence/audit';
import { ANONYMOUS, Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { PROVIDER_NAME } from '../protocol/cosigner-keys';
import { InboundKeys } from './inbound-keys';
import { InboundRefusal, verifyInbound } from './inbound-signature';

/** What the authenticator verified, for the handler: the provider, its id for the event, and the exact bytes it signed. */
export interface VerifiedInboundEvent {
  readonly provider: string;
  readonly eventId: string;
  readonly body: Buffer;
}

const VERIFIED = new WeakMap<FastifyRequest, VerifiedInboundEvent>();
const INBOUND_EVENT_ROUTE = 'inboundProviderEvent';

/** The verified event of a request the inbound authenticator admitted; nothing for any other. */
export function verifiedInboundEventOf(request: FastifyRequest): VerifiedInboundEvent | undefined {
  return VERIFIED.get(request);
}

/** Marks a `@ProviderSigned()` route as a provider's webhook: the gate's provider authenticator hands it to InboundEventAuthenticator. */
export const InboundEventSignature = (): MethodDecorator => (_target, _key, descriptor) =>
  mergeRouteConfig(descriptor.value as object, { [INBOUND_EVENT_ROUTE]: true });

function takesInboundEvent(request: FastifyRequest): boolean {
  return (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[INBOUND_EVENT_ROUTE] === true;
}

/**
 * A provider's webhook (`POST /v1/inbound/:provider/webhooks`) is authenticated by its
 * signature alone, in the provider's scheme (InboundKeys, verifyInbound), over the body as the
 * bytes received (a `@TokenBody()` route: nothing parsed it). Anything else (a provider whose
 * events are not configured, a missing, cut, malformed or wrong signature, a timestamp out of
 * tolerance) is the uniform 401, its reason recorded as a security event in its own
 * transaction; the handler never runs. The principal says only which provider signed.
 */
@Injectable()
export class InboundEventAuthenticator implements Authenticator {
  constructor(
    private readonly keys: InboundKeys,
    private readonly events: SecurityEvents,
  ) {}

  recognises(): boolean {
    return true;
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const provider = (request.params as Record<string, unknown> | undefined)?.['provider'];
    const name = typeof provider === 'string' ? provider : '';
    const verifier = PROVIDER_NAME.test(name) ? this.keys.verifierOf(name) : undefined;
    if (!verifier) return this.refuse('unknown_provider', name);
    const body = request.body;
    if (!Buffer.isBuffer(body) && typeof body !== 'string') return this.refuse('malformed', name);
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const verified = verifyInbound(verifier, request.headers, bytes, new Date());
    if ('refused' in verified) return this.refuse(verified.refused, name);
    VERIFIED.set(request, { provider: name, eventId: verified.eventId, body: bytes });
    return { kind: 'provider', provider: name, workspaceId: null, environment: null };
  }

  private async refuse(reason: InboundRefusal | 'unknown_provider' | 'malformed', provider: string): Promise<never> {
    await this.events.record(
      {
        action: 'inbound.webhook',
        outcome: 'denied',
        reason: `signature_${reason}`,
        // A name the path carried, bounded; never the body or a header.
        target: { type: 'provider', id: provider.slice(0, 64) },
      },
      ANONYMOUS,
    );
    throw unauthenticated();
  }
}

/**
 * The gate's one `provider` authenticator: a provider's webhook route goes to the inbound
 * authenticator, every other `@ProviderSigned()` route (the co-signer callbacks) to the
 * callbacks' own.
 */
export function providerAuthenticator(callbacks: Authenticator, inbound: InboundEventAuthenticator): Authenticator {
  return {
    recognises: () => true,
    authenticate: (request, policy) =>
      takesInboundEvent(request) ? inbound.authenticate(request) : callbacks.authenticate(request, policy),
  };
}
