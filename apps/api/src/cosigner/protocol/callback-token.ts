import { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** A provider's co-signer key: every version present in the secrets directory verifies. */
export interface ProviderKey {
  /** `v<N>`, the file's version: a token naming a `kid` must name one of these. */
  readonly kid: string;
  readonly publicKey: KeyObject;
}

/** A callback body larger than this is refused unread (a real one is a few kilobytes). */
export const MAX_CALLBACK_BYTES = 64 * 1024;

/** Why a callback was refused, for the security event; the caller answers the same 401 whatever it is. */
export type CallbackRefusal =
  'too_large' | 'malformed' | 'algorithm' | 'key_in_header' | 'unknown_key' | 'signature' | 'expired' | 'not_yet_valid' | 'bad_claims';

/** Header fields that would let the token choose its own key, or demand what we do not do. */
const REFUSED_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit'];
/** jsonwebtoken's refusals of a registered claim's type, after the signature held. */
const CLAIM_ERROR = /^invalid (exp|nbf|iat) value/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies a co-signer callback before anything reads it: the body as received must be a
 * compact JWS signed RS256 (only) by one of the provider's keys, over exactly these bytes.
 * `alg: none`, HS256 (keyed with the public key or anything else), a key offered in the
 * header (`jwk`, `jku`, `x5u`, …), a `kid` that names no key we hold, a wrong key, an edited
 * payload or a cut signature are refused, each with its reason for the audit log. The
 * payload is returned as the JSON object it is; reading its fields is the caller's care.
 */
export function verifyCallbackToken(
  body: Buffer | string,
  keys: readonly ProviderKey[],
): { payload: Record<string, unknown> } | { refused: CallbackRefusal } {
  if (Buffer.byteLength(body) > MAX_CALLBACK_BYTES) return { refused: 'too_large' };
  // ASCII whitespace around the token (a trailing newline) is no part of it; nothing else is trimmed.
  const token = (typeof body === 'string' ? body : body.toString('latin1')).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (!COMPACT_JWS.test(token)) return { refused: 'malformed' };
  const header = jsonObject(token.slice(0, token.indexOf('.')));
  if (!header) return { refused: 'malformed' };
  if (header['alg'] !== 'RS256') return { refused: 'algorithm' };
  if (REFUSED_HEADERS.some((field) => Object.hasOwn(header, field))) return { refused: 'key_in_header' };
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return { refused: 'malformed' };
  const candidates = kid === undefined ? keys : keys.filter((key) => key.kid === kid);
  if (candidates.length === 0) return { refused: 'unknown_key' };
  for (const { publicKey } of candidates) {
    try {
      const payload = jwt.verify(token, publicKey, { algorithms: ['RS256'] }) as unknown;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { refused: 'malformed' };
      return { payload: payload as Record<string, unknown> };
    } catch (error) {
      // Only a signature that does not hold may be another version of the provider's key; a
      // signature that holds over claims we refuse (an `exp` passed, an `nbf` to come, a claim
      // of the wrong type) is refused as such.
      if (error instanceof jwt.TokenExpiredError) return { refused: 'expired' };
      if (error instanceof jwt.NotBeforeError) return { refused: 'not_yet_valid' };
      if (error instanceof jwt.JsonWebTokenError && CLAIM_ERROR.test(error.message)) return { refused: 'bad_claims' };
    }
  }
  return { refused: 'signature' };
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
