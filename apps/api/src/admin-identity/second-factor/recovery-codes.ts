import { encodeCrockford } from '@ringfence/crypto';
import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** 15 random bytes: 120 bits, above the 112 that make a fast hash safe to store. */
const RECOVERY_CODE_BYTES = 15;

/** A fresh set, formatted for people: 24 Crockford characters in groups of four. */
export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const text = encodeCrockford(randomBytes(RECOVERY_CODE_BYTES));
    return text.match(/.{4}/g)!.join('-');
  });
}

/** Lenient on input (case, dashes, spaces, Crockford's look-alikes), exact on the bits. */
export function recoveryCodeHash(code: string): Buffer {
  const normalised = code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return createHash('sha256').update(`ringfence.recovery-code:${normalised}`).digest();
}

/** Could `code` be a recovery code at all (rather than a TOTP code)? */
export function looksLikeRecoveryCode(code: string): boolean {
  return code.replace(/[\s-]/g, '').length >= 20;
}
