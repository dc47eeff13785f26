import { createHash } from 'node:crypto';
import {
  FIREBLOCKS_SIGNATURE_HEADER,
  FireblocksSignatureRefusal,
  verifyFireblocksWebhook,
} from '../../providers/fireblocks/fireblocks-webhook';
import { InboundHeaders, verifyWebhook, WebhookRefusal } from '../../webhooks/signing/standard-webhooks';
import type { InboundVerifier } from './inbound-keys';

/** The Standard Webhooks timestamp tolerance, either way (the specification's 5 minutes). */
export const INBOUND_TOLERANCE_SECONDS = 300;
/** The longest event id remembered (a `webhook-id`; a Fireblocks one is `sha256:` and 64 hex digits). */
export const EVENT_ID_MAX = 256;

/** Why a webhook was refused; none carries a signature, a key or a secret. */
export type InboundRefusal = FireblocksSignatureRefusal | WebhookRefusal | 'malformed_id';

export type InboundVerification = { readonly eventId: string } | { readonly refused: InboundRefusal };

/** A `webhook-id` we remember: visible ASCII, bounded. */
const WEBHOOK_ID = new RegExp(`^[\\x21-\\x7e]{1,${EVENT_ID_MAX}}$`);

/**
 * Verifies a provider's webhook over the exact bytes received, before anything parses them,
 * in the provider's scheme, and names the event for the replay store:
 * - `fireblocks`: the `Fireblocks-Signature` header (verifyFireblocksWebhook); the event is
 *   `sha256:<hex of the body>` (Fireblocks' v1 webhooks carry no event id, and a retry is the
 *   same bytes);
 * - `standard`: Standard Webhooks (`verifyWebhook`: the three headers, the timestamp within 5
 *   minutes either way of `now`, any `v1` signature of the list valid under one of the
 *   provider's secrets); the event is its `webhook-id`.
 */
export function verifyInbound(verifier: InboundVerifier, headers: InboundHeaders, body: Buffer, now: Date): InboundVerification {
  if (verifier.scheme === 'standard') {
    const verified = verifyWebhook(headers, body, verifier.secrets, { now, toleranceSeconds: INBOUND_TOLERANCE_SECONDS });
    if (!verified.verified) return { refused: verified.reason };
    // Signed by the provider, but what the replay store keys on: bounded here.
    return WEBHOOK_ID.test(verified.id) ? { eventId: verified.id } : { refused: 'malformed_id' };
  }
  const header = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[FIREBLOCKS_SIGNATURE_HEADER];
  const verified = verifyFireblocksWebhook(header, body, verifier.publicKeys);
  if ('refused' in verified) return verified;
  return { eventId: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}
