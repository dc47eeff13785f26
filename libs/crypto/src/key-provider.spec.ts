import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AesGcmCipher } from './aes-gcm-cipher';
import { CryptoModule } from './crypto.module';
import { KEY_PROVIDER, KeyProvider } from './key-provider';
import { Keyring } from './keyring';

describe('KeyProvider', () => {
  let secrets: string;
  beforeEach(() => {
    secrets = mkdtempSync(join(tmpdir(), 'rf-provider-'));
    writeFileSync(join(secrets, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  });
  afterEach(() => rmSync(secrets, { recursive: true, force: true }));

  it('loads the keyring from the secrets directory by default', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [CryptoModule.forRoot({ secretsDir: secrets })] }).compile();
    expect(moduleRef.get<KeyProvider>(KEY_PROVIDER).name).toBe('secrets directory');
    expect(moduleRef.get(Keyring).activeVersion).toBe(1);
  });

  it('lets another provider (a KMS, say) supply the keyring, and everything encrypts under it', async () => {
    const unwrapped = new Keyring(new Map([[7, randomBytes(32)]]), 7);
    const kms: KeyProvider = { name: 'test kms', load: () => Promise.resolve(unwrapped) };
    const moduleRef = await Test.createTestingModule({
      imports: [CryptoModule.forRoot({ secretsDir: secrets, keyProvider: { provide: KEY_PROVIDER, useValue: kms } })],
    }).compile();
    const sealed = moduleRef.get(AesGcmCipher).encrypt(Buffer.from('v'), 'aad');
    expect(AesGcmCipher.keyVersionOf(sealed)).toBe(7);
  });
});
