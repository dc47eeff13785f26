import { CROCKFORD_ALPHABET, encodeCrockford } from '@ringfence/crypto';
import type { KeyEnvironment } from '@ringfence/tenancy';
import { createHash, randomBytes } from 'node:crypto';

/**
 * `rf_live_` or `rf_test_`, then 8 characters of public key id (40 random bits), 32 of
 * secret (160 random bits) and 6 of checksum (30 bits of SHA-256 over everything before
 * it), all Crockford base32 in upper case: 48 characters that say what they are, and a
 * typo is refused before any database look-up.
 */
export const API_KEY_PREFIXES: Readonly<Record<KeyEnvironment, string>> = { live: 'rf_live_', test: 'rf_test_' };
const KEY_ID_BYTES = 5;
const SECRET_BYTES = 20;
const CHECKSUM_CHARS = 6;
const SYMBOL = `[${CROCKFORD_ALPHABET}]`;
const API_KEY = new RegExp(`^rf_(live|test)_(${SYMBOL}{8})(${SYMBOL}{32})(${SYMBOL}{${CHECKSUM_CHARS}})$`);

export interface ParsedApiKey {
  environment: KeyEnvironment;
  /** Public: shown in lists and logs, the look-up key. */
  keyId: string;
  /** The whole key, what is hashed. */
  key: string;
}

export type ApiKeyParseFailure = 'malformed' | 'bad_checksum';

export function generateApiKey(environment: KeyEnvironment): ParsedApiKey {
  const body = `${API_KEY_PREFIXES[environment]}${encodeCrockford(randomBytes(KEY_ID_BYTES))}${encodeCrockford(randomBytes(SECRET_BYTES))}`;
  const key = withChecksum(body);
  return { environment, keyId: key.slice(8, 16), key };
}

/** `body` (prefix, key id, secret) with its checksum appended. */
export function withChecksum(body: string): string {
  return `${body}${checksumOf(body)}`;
}

/** Shape and checksum only: no secret is compared here. */
export function parseApiKey(text: string): ParsedApiKey | ApiKeyParseFailure {
  const match = API_KEY.exec(text);
  if (!match) return 'malformed';
  const [, environment, keyId, , checksum] = match as unknown as [string, KeyEnvironment, string, string, string];
  if (checksumOf(text.slice(0, -CHECKSUM_CHARS)) !== checksum) return 'bad_checksum';
  return { environment, keyId, key: text };
}

/** 30 bits of SHA-256, six Crockford characters. */
function checksumOf(body: string): string {
  const digest = createHash('sha256').update(body, 'ascii').digest();
  let value = digest.readUInt32BE(0) >>> 2;
  let out = '';
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = CROCKFORD_ALPHABET.charAt(value & 31) + out;
    value >>>= 5;
  }
  return out;
}
