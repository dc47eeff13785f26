import { CROCKFORD_ALPHABET } from '@ringfence/crypto';
import fc from 'fast-check';
import { generateApiKey, parseApiKey } from './api-key-format';

describe('API key format', () => {
  it('generates keys that say their environment and parse back to themselves', () => {
    for (const environment of ['live', 'test'] as const) {
      const generated = generateApiKey(environment);
      expect(generated.key).toMatch(new RegExp(`^rf_${environment}_[${CROCKFORD_ALPHABET}]{46}$`));
      expect(parseApiKey(generated.key)).toEqual(generated);
      expect(generated.keyId).toBe(generated.key.slice(8, 16));
    }
  });

  it('carries at least 128 random bits of secret and never repeats', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateApiKey('live').key));
    expect(keys.size).toBe(2000);
    // prefix 8 + key id 8 + secret 32 (160 bits) + checksum 6
    for (const key of keys) expect(key).toHaveLength(54);
  });

  it('refuses every single-character substitution (a typo) offline', () => {
    fc.assert(
      fc.property(fc.constantFrom('live' as const, 'test' as const), fc.nat(), fc.nat(), (environment, at, replacement) => {
        const { key } = generateApiKey(environment);
        const position = 8 + (at % (key.length - 8));
        const original = key.charAt(position);
        const alphabet = CROCKFORD_ALPHABET.replace(original, '');
        const typo = key.slice(0, position) + alphabet.charAt(replacement % alphabet.length) + key.slice(position + 1);
        expect(parseApiKey(typo)).toBe('bad_checksum');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses adjacent transpositions offline', () => {
    fc.assert(
      fc.property(fc.nat(), (at) => {
        const { key } = generateApiKey('live');
        const position = 8 + (at % (key.length - 9));
        fc.pre(key.charAt(position) !== key.charAt(position + 1));
        const swapped = key.slice(0, position) + key.charAt(position + 1) + key.charAt(position) + key.slice(position + 2);
        expect(parseApiKey(swapped)).toBe('bad_checksum');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses anything that is not the exact shape', () => {
    const { key } = generateApiKey('live');
    for (const text of [
      '',
      key.toLowerCase(),
      key.slice(0, -1),
      `${key}0`,
      key.replace('rf_live_', 'rf_prod_'),
      key.replace('rf_live_', 'RF_LIVE_'),
      ` ${key}`,
      key.replace(/.$/, 'U'), // U is not in Crockford's alphabet
    ]) {
      expect(parseApiKey(text)).toBe('malformed');
    }
    fc.assert(fc.property(fc.string(), (text) => expect(['malformed', 'bad_checksum']).toContain(parseApiKey(text))));
  });
});
