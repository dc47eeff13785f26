import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/), pure: no Nest, no I/O, no
 * clock of its own. A message is signed as `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * with the key bytes of a `whsec_<base64>` secret; the `webhook-signature` header carries one
 * such signature per secret, space-separated, so a receiver holding either the old or the new
 * secret of a rotation verifies it.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_SECRET_BYTES = 32;
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The three header values of a signed message, under their (lower-case) header names. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** What is signed: the message id (stable across retries), the time in whole seconds, the exact bytes sent. */
export interface WebhookMessage {
  readonly id: string;
  readonly timestamp: number;
  readonly body: string | Uint8Array;
}

/** Why an inbound message was refused. None of them carries a secret or a signature. */
export type WebhookRefusal =
  | 'missing_header'
  | 'duplicate_header'
  | 'malformed_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_v1_signature'
  | 'signature_mismatch';

export type WebhookVerification =
  | { readonly verified: true; readonly id: string; readonly timestamp: number }
  | { readonly verified: false; readonly reason: WebhookRefusal };

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from `now`, either way. */
  readonly toleranceSeconds?: number;
  readonly now: Date;
}

/** Inbound headers as Node gives them (names in any case; a repeated header as an array), or as we sign them. */
export type InboundHeaders = Readonly<Record<string, string | readonly string[] | undefined>> | WebhookHeaders;

/** A secret that is not `whsec_<base64 of 24 to 64 bytes>`. Its message never repeats the text. */
export class WebhookSecretError extends Error {
  constructor(reason: string) {
    super(`not a webhook secret: ${reason}`);
    this.name = 'WebhookSecretError';
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const HMAC_BYTES = 32;

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a `whsec_` secret; throws `WebhookSecretError` on anything else. */
export function parseWebhookSecret(text: string): Buffer {
  if (!text.startsWith(WEBHOOK_SECRET_PREFIX)) throw new WebhookSecretError(`it does not start with "${WEBHOOK_SECRET_PREFIX}"`);
  const encoded = text.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) throw new WebhookSecretError('its key is not canonical base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) throw new WebhookSecretError('its key is not canonical base64');
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES)
    throw new WebhookSecretError(`its key is not ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes`);
  return key;
}

/** The headers of `message` signed with every secret in `secrets` (old and new side by side during a rotation). */
export function signWebhook(message: WebhookMessage, secrets: readonly string[]): WebhookHeaders {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  if (message.id.length === 0) throw new Error('a webhook id cannot be empty');
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0 || !TIMESTAMP.test(String(message.timestamp)))
    throw new Error('a webhook timestamp is a whole number of seconds since the epoch');
  const timestamp = String(message.timestamp);
  const signatures = secrets.map(
    (secret) => `v1,${hmac(parseWebhookSecret(secret), message.id, timestamp, message.body).toString('base64')}`,
  );
  return { 'webhook-id': message.id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}

/**
 * Checks an inbound message: its three headers, its timestamp within `toleranceSeconds` of
 * `now`, and at least one `v1` signature in the header made with one of `secrets` over the exact
 * `body` bytes (compared in constant time). Signatures of other versions are ignored.
 */
export function verifyWebhook(
  headers: InboundHeaders,
  body: string | Uint8Array,
  secrets: readonly string[],
  { toleranceSeconds = DEFAULT_WEBHOOK_TOLERANCE_SECONDS, now }: VerifyWebhookOptions,
): WebhookVerification {
  if (secrets.length === 0) throw new Error('verifyWebhook needs at least one secret');
  if (!(toleranceSeconds >= 0)) throw new Error('the tolerance is a number of seconds, not negative');
  const keys = secrets.map(parseWebhookSecret);
  const read = readHeaders(headers);
  if ('refused' in read) return refused(read.refused);
  const { id, timestampText, signature } = read;
  if (!TIMESTAMP.test(timestampText)) return refused('malformed_timestamp');
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (timestamp < nowSeconds - toleranceSeconds) return refused('timestamp_too_old');
  if (timestamp > nowSeconds + toleranceSeconds) return refused('timestamp_too_new');

  const candidates = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (candidates.length === 0) return refused('no_v1_signature');
  const expected = keys.map((key) => hmac(key, id, timestampText, body));
  const matches = candidates.some(
    (candidate) => candidate.length === HMAC_BYTES && expected.some((mac) => timingSafeEqual(candidate, mac)),
  );
  return matches ? { verified: true, id, timestamp } : refused('signature_mismatch');
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The three headers by their names in any case; a missing or empty one, or one given twice, is a refusal. */
function readHeaders(
  given: InboundHeaders,
): { readonly refused: WebhookRefusal } | { readonly id: string; readonly timestampText: string; readonly signature: string } {
  const headers: Readonly<Record<string, string | readonly string[] | undefined>> = { ...given };
  const [id, timestampText, signature] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) =>
    Object.keys(headers)
      .filter((key) => key.toLowerCase() === name)
      .flatMap((key) => headers[key] ?? []),
  ) as [string[], string[], string[]];
  const all = [id, timestampText, signature];
  if (all.some((values) => values.length > 1)) return { refused: 'duplicate_header' };
  if (all.some((values) => !values[0])) return { refused: 'missing_header' };
  return { id: id[0]!, timestampText: timestampText[0]!, signature: signature[0]! };
}

function refused(reason: WebhookRefusal): WebhookVerification {
  return { verified: false, reason };
}
