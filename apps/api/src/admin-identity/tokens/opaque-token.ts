import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits), base64url: refresh tokens, MFA challenges, reset tokens, CSRF tokens. */
export function newOpaqueToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: opaqueTokenHash(token) };
}

/** Only this is stored. The tokens carry 256 bits, so a fast hash is enough. */
export function opaqueTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A shape check before any look-up: 43 base64url characters. */
export function isOpaqueToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
