import { randomBytes } from 'node:crypto';
import { encodeCrockford } from './crockford-base32';

/** A CSPRNG token of `bytes` random bytes, Crockford base32 encoded. */
export function randomToken(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 16) {
    throw new RangeError('a token needs at least 16 random bytes (128 bits)');
  }
  return encodeCrockford(randomBytes(bytes));
}
