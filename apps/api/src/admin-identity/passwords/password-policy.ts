import { Injectable } from '@nestjs/common';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

/** In code points, as typed: nothing is trimmed or normalised. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
/** zxcvbn's "safely unguessable" (10^8 guesses and more). */
const MIN_SCORE = 3;

export function passwordLength(password: string): number {
  return [...password].length;
}

export type PasswordVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A new password is 12 to 128 characters and not common, guessable or built from the
 * admin's own email (zxcvbn-ts with its common-password dictionary).
 */
@Injectable()
export class PasswordPolicy {
  private readonly zxcvbn = new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
  });

  check(password: string, context: { email?: string } = {}): PasswordVerdict {
    const length = passwordLength(password);
    if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
      return { ok: false, reason: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` };
    }
    const userInputs = context.email ? [context.email, ...context.email.split(/[@.+_-]/).filter((part) => part.length > 2)] : [];
    const result = this.zxcvbn.check(password, [...userInputs, 'ringfence']);
    if (result.score < MIN_SCORE) {
      return { ok: false, reason: 'is too common or too easy to guess; use a longer passphrase' };
    }
    return { ok: true };
  }
}
