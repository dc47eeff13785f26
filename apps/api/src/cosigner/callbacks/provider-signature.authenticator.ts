import { Injectable } from '@nestjs/common';
import { Authenticator, unauthenticated } from '@ringfence/access';
import { SecurityEvents } from '@ringfence/audit';
import { ANONYMOUS, Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { CallbackRefusal, verifyCallbackToken } from '../protocol/callback-token';
import { CosignerKeys, PROVIDER_NAME } from '../protocol/cosigner-keys';

/** What the authenticator verified, for the handler: the provider and the payload its key signed. */
export interface VerifiedCallback {
  readonly provider: string;
  readonly payload: Record<string, unknown>;
}

const VERIFIED = new WeakMap<FastifyRequest, VerifiedCallback>();
/** Verified bodies remembered, at most (a provider's retries of one token within the hour). */
const VERIFIED_BODIES_MAX = 10_000;

/** The verified callback of a request the provider authenticator admitted; nothing for any other. */
export function verifiedCallbackOf(request: FastifyRequest): VerifiedCallback | undefined {
  return VERIFIED.get(request);
}

/**
 * The `provider` authenticator: a custody provider's callback is authenticated by its
 * signature alone. The body, as the bytes received (a `@TokenBody()` route), must be a
 * compact JWS signed RS256 by one of the keys we hold for the provider the path names
 * (`cosigner-<provider>.pub.vN.pem`); anything else (an unknown provider, `alg: none`,
 * HS256, a key in the header, an unknown `kid`, a wrong key, an edited payload, a cut
 * signature, an oversized body) is the uniform 401, its reason recorded as a security
 * event in its own transaction, and the handler never runs. The principal says only which
 * provider signed: the workspace is the cosigner's to find, from the signed payload.
 */
@Injectable()
export class ProviderSignatureAuthenticator implements Authenticator {
  /** Payloads of bodies this process verified, by provider and the body's SHA-256. */
  private readonly verified = new Map<string, { readonly payload: Readonly<Record<string, unknown>>; readonly until: number }>();

  constructor(
    private readonly keys: CosignerKeys,
    private readonly events: SecurityEvents,
  ) {}

  recognises(): boolean {
    return true;
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const provider = (request.params as Record<string, unknown> | undefined)?.['provider'];
    const known = typeof provider === 'string' && PROVIDER_NAME.test(provider) ? this.keys.providerKeys(provider) : [];
    const body = request.body;
    if (known.length === 0) return this.refuse('unknown_provider', typeof provider === 'string' ? provider : '');
    if (!Buffer.isBuffer(body) && typeof body !== 'string') return this.refuse('malformed', provider as string);
    // A body verified before (a provider's retry of the same token) is not verified again:
    // the same bytes under the same keys verify the same way (the keys are fixed at boot).
    const seen = `${provider as string}\u0000${createHash('sha256').update(body).digest('base64')}`;
    // A token's `exp` still counts: one remembered past it is verified again (and refused).
    const remembered = this.verified.get(seen);
    let payload = remembered && Date.now() < remembered.until ? remembered.payload : undefined;
    if (!payload) {
      const verified = verifyCallbackToken(body, known);
      if ('refused' in verified) return this.refuse(verified.refused, provider as string);
      payload = Object.freeze(verified.payload);
      const exp = payload['exp'];
      if (this.verified.size >= VERIFIED_BODIES_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(seen, { payload, until: typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY });
    }
    VERIFIED.set(request, { provider: provider as string, payload });
    return { kind: 'provider', provider: provider as string, workspaceId: null, environment: null };
  }

  private async refuse(reason: CallbackRefusal | 'unknown_provider', provider: string): Promise<never> {
    await this.events.record(
      {
        action: 'cosigner.callback',
        outcome: 'denied',
        reason: `signature_${reason}`,
        // A name the path carried, bounded by the audit writer; never the body.
        target: { type: 'provider', id: provider.slice(0, 64) },
      },
      ANONYMOUS,
    );
    throw unauthenticated();
  }
}
