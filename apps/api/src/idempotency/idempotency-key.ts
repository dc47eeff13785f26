import { createHmac, hkdfSync } from 'node:crypto';
import type { Keyring } from '@ringfence/crypto';
import { IdempotencyProblems } from './idempotency.problems';

/** The request header that names the key (IETF draft "The Idempotency-Key HTTP Header Field"). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set to `true` on an answer replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * A key: 1 to 255 visible ASCII characters (0x21–0x7E) other than `"` (the draft's quoted
 * form is unwrapped first), `,` (what a client sending the header twice would be joined
 * with) and `\`. The migration's CHECK holds the same rule.
 */
export const IDEMPOTENCY_KEY = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,255}$/;

const HEADER_NAME = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/**
 * The key a request names, read from its raw headers (so that a header sent twice is seen,
 * not joined): exactly one `Idempotency-Key`, its value bare (`abc`) or in the draft's
 * structured-field form (`"abc"`, the same key). Missing: IDEMPOTENCY_KEY_REQUIRED; anything
 * else that is not a key: IDEMPOTENCY_KEY_MALFORMED, saying why.
 */
export function idempotencyKeyOf(rawHeaders: readonly string[]): string {
  const values: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.toLowerCase() === HEADER_NAME) values.push(rawHeaders[index + 1]!);
  }
  if (values.length === 0) throw IdempotencyProblems.IDEMPOTENCY_KEY_REQUIRED();
  if (values.length > 1) throw malformed('The Idempotency-Key header must be sent once.');
  const value = values[0]!.replace(/^[ \t]+|[ \t]+$/g, '');
  const key = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (key === '') throw malformed('The Idempotency-Key header is empty.');
  if (key.length > 255) throw malformed('The Idempotency-Key header is longer than 255 characters.');
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw malformed(
      'The Idempotency-Key header may hold only visible ASCII characters other than the double quote, the comma and the backslash.',
    );
  }
  return key;
}

/** Whether the request sends an `Idempotency-Key` header at all (well-formed or not). */
export function hasIdempotencyKey(rawHeaders: readonly string[]): boolean {
  for (let index = 0; index < rawHeaders.length; index += 2) if (rawHeaders[index]!.toLowerCase() === HEADER_NAME) return true;
  return false;
}

function malformed(detail: string) {
  return IdempotencyProblems.IDEMPOTENCY_KEY_MALFORMED({ detail });
}

/** What identifies a request under its key: two requests with one fingerprint are the same request to the handler. */
export interface RequestIdentity {
  readonly method: string;
  /** The route's pattern (`/v1/transfers/:id`), its parameters beside it. */
  readonly route: string;
  readonly params: unknown;
  readonly query: unknown;
  /** The parsed JSON body; undefined: none. */
  readonly body: unknown;
}

/**
 * HMAC-SHA-256, under `key` (fingerprintKeyOf), of the request's canonical form: the method,
 * the route, its parameters and query as parsed, and the body as parsed, written as canonical
 * JSON (RFC 8785's: keys sorted by UTF-16 code units, no whitespace, ECMAScript number and
 * string forms). Over what the handler receives, not the bytes sent: a retry whose client
 * serialised the same body with other spacing or key order is the same request. Keyed: a body
 * can carry a secret (a vault value), and a plain hash kept beside it would let anyone with a
 * copy of the database confirm guesses of a short one offline (docs/adr/0020-idempotency-keys.md).
 */
export function requestFingerprint(request: RequestIdentity, key: Buffer): Buffer {
  return createHmac('sha256', key).update(canonicalJson(request), 'utf8').digest();
}

/**
 * The fingerprints' key: derived (HKDF-SHA-256) from the master keyring's oldest key, so that
 * making a new master key active does not change it; retiring that oldest key does, and a
 * retry within 24 hours of it is then a 422 rather than a replay.
 */
export function fingerprintKeyOf(keyring: Keyring): Buffer {
  const oldest = Math.min(...keyring.versions);
  const master = keyring.keyFor(oldest);
  if (!master) throw new Error('the keyring has no key to derive the idempotency fingerprint key from');
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'ringfence idempotency request fingerprint v1', 32));
}

/** `value` as canonical JSON (RFC 8785): object keys sorted, no whitespace; undefined members left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const members = Object.keys(value)
    .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
  return `{${members.join(',')}}`;
}
