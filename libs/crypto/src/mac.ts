import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function hmacSha256(key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

// Both sides are MACed under a per-process key first, so the comparison neither
// short-circuits nor reveals the length of the expected value.
const COMPARE_KEY = randomBytes(32);

export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(hmacSha256(COMPARE_KEY, a), hmacSha256(COMPARE_KEY, b));
}
