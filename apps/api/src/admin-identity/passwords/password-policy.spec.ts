import * as common from '@zxcvbn-ts/language-common';
import { PasswordPolicy, passwordLength } from './password-policy';

/** A strong passphrase of exactly `length` code points (words repeated, then cut). */
const passphrase = (length: number): string => 'amber lighthouse orchard quietly '.repeat(8).slice(0, length);

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy();

  it('refuses a new password shorter than 12 characters, counted in code points, however strong [V6.2.1]', () => {
    expect(policy.check('Xq7#mK2$pL9')).toEqual({ ok: false, reason: 'must be 12 to 128 characters' });
    expect(policy.check('Xq7#mK2$pL9v')).toEqual({ ok: true });
    // Eleven characters outside the BMP are 22 UTF-16 units, and still eleven characters.
    const eleven = '🔑🧭🪁🦉🌋🛶🎻🧿🪐🦑🍄';
    expect(passwordLength(eleven)).toBe(11);
    expect(policy.check(eleven).ok).toBe(false);
  });

  it('accepts passwords of any composition: no rule on upper or lower case, digits, symbols or script [V6.2.5]', () => {
    for (const password of [
      'violet harbour lantern quietly', // lower-case words and spaces only
      '83920175640918273645', // digits only
      ')]}~^|;%&*!?>@#', // symbols only
      'тихий янтарный маяк', // Cyrillic
      '静かな琥珀色の灯台の夜の海', // Japanese
    ]) {
      expect({ password, verdict: policy.check(password) }).toEqual({ password, verdict: { ok: true } });
    }
  });

  it('permits passwords of 64 and up to 128 characters, and no more [V6.2.9]', () => {
    expect(policy.check(passphrase(64))).toEqual({ ok: true });
    expect(policy.check(passphrase(128))).toEqual({ ok: true });
    expect(policy.check(passphrase(129)).ok).toBe(false);
  });

  it('refuses every password of its common-password list that the length rule would let through', () => {
    const listed = common.dictionary['passwords-common'].filter(
      (password) => passwordLength(password) >= 12 && passwordLength(password) <= 128,
    );
    expect(listed.length).toBeGreaterThan(300);
    expect(listed.filter((password) => policy.check(password).ok)).toEqual([]);
  });

  it("refuses a password built from the admin's own email", () => {
    expect(policy.check('jane.doe.ringfence@example.com', { email: 'jane.doe.ringfence@example.com' }).ok).toBe(false);
  });
});
