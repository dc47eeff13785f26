import { randomBytes } from 'node:crypto';
import { AesGcmCipher, DecryptionError } from './aes-gcm-cipher';
import { Keyring } from './keyring';

function keyring(versions: number[], active: number): Keyring {
  return new Keyring(new Map(versions.map((v) => [v, randomBytes(32)])), active);
}

describe('AesGcmCipher', () => {
  const ring = keyring([1, 2], 2);
  const cipher = new AesGcmCipher(ring);
  const aad = 'vault_secrets.value|ws_1|row_1';

  it('round-trips and names the active key version', () => {
    const sealed = cipher.encrypt(Buffer.from('s3cret value'), aad);
    expect(AesGcmCipher.keyVersionOf(sealed)).toBe(2);
    expect(cipher.decrypt(sealed, aad).toString()).toBe('s3cret value');
    expect(sealed.includes(Buffer.from('s3cret value'))).toBe(false);
  });

  it('uses a fresh 96-bit IV for every one of 100,000 encryptions [V11.3.4]', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      ivs.add(cipher.encrypt(Buffer.from('x'), aad).subarray(5, 17).toString('hex'));
    }
    expect(ivs.size).toBe(100_000);
  });

  it('refuses a ciphertext moved to another row, workspace, column or table (AAD swaps) [V11.3.3]', () => {
    const place = (table: string, column: string, workspace: string, row: string) => `${table}.${column}|${workspace}|${row}`;
    const sealed = cipher.encrypt(Buffer.from('value'), place('vault_secrets', 'value', 'ws_1', 'row_1'));
    for (const elsewhere of [
      place('vault_secrets', 'value', 'ws_1', 'row_2'),
      place('vault_secrets', 'value', 'ws_2', 'row_1'),
      place('vault_secrets', 'name', 'ws_1', 'row_1'),
      place('webhook_endpoints', 'value', 'ws_1', 'row_1'),
      '',
    ]) {
      expect(() => cipher.decrypt(sealed, elsewhere)).toThrow(DecryptionError);
    }
    expect(cipher.decrypt(sealed, place('vault_secrets', 'value', 'ws_1', 'row_1')).toString()).toBe('value');
  });

  it.each([
    ['format byte', 0],
    ['key version', 4],
    ['IV', 10],
    ['tag', 20],
    ['ciphertext', 40],
  ])('refuses a flipped bit in the %s [V11.3.3 V11.2.5]', (_part, offset) => {
    const sealed = cipher.encrypt(Buffer.from('a value long enough to have a body byte at 40'), aad);
    sealed[offset] = (sealed[offset] ?? 0) ^ 0x01;
    expect(() => cipher.decrypt(sealed, aad)).toThrow(DecryptionError);
  });

  it('refuses truncated input and an unknown key version without saying why [V11.2.5]', () => {
    expect(() => cipher.decrypt(Buffer.alloc(10), aad)).toThrow('ciphertext could not be decrypted');
    const other = new AesGcmCipher(keyring([7], 7)).encrypt(Buffer.from('v'), aad);
    expect(() => cipher.decrypt(other, aad)).toThrow(DecryptionError);
  });

  it('decrypts what an older key version sealed after rotation', () => {
    const keys = new Map([[1, randomBytes(32)]]);
    const old = new AesGcmCipher(new Keyring(keys, 1)).encrypt(Buffer.from('old'), aad);
    const rotated = new AesGcmCipher(new Keyring(new Map([...keys, [2, randomBytes(32)]]), 2));
    expect(rotated.decrypt(old, aad).toString()).toBe('old');
  });
});

describe('Keyring', () => {
  it('never shows key bytes when logged or serialised', () => {
    const key = Buffer.alloc(32, 0xab);
    const ring = new Keyring(new Map([[1, key]]), 1);
    const hex = key.toString('hex');
    const b64 = key.toString('base64');
    for (const shown of [JSON.stringify(ring), require('node:util').inspect(ring, { showHidden: true, depth: 5 })]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toContain(b64);
      expect(shown).not.toContain('171,171');
    }
  });

  it('refuses keys that are not exactly 32 bytes and a missing active version', () => {
    expect(() => new Keyring(new Map([[1, randomBytes(31)]]), 1)).toThrow('exactly 32 bytes');
    expect(() => new Keyring(new Map([[1, randomBytes(32)]]), 2)).toThrow('v2');
  });
});
