import { Test } from '@nestjs/testing';
import { CryptoModule } from '@ringfence/crypto';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionEnv } from '../../../../test/support/production-env';
import { loadConfig } from '../config/app-config';
import { cosignerKeysProvider } from './cosigner.module';
import { CosignerKeys } from './protocol/cosigner-keys';

/** The module's key material at boot in production, where nothing generates a key: every file it needs is the operator's to provide. */
describe('CosignerModule in production', () => {
  let secretsDir: string;
  const ours = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const acme = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const files = {
    response: ['cosigner-response.v1.pem', ours.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    acme: ['cosigner-acme.pub.v1.pem', acme.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
  } as const;

  beforeEach(() => {
    secretsDir = mkdtempSync(join(tmpdir(), 'rf-cosigner-module-'));
    // The master key the crypto module loads beside: the cosigner's files are the only ones missing.
    writeFileSync(join(secretsDir, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  });
  afterEach(() => rmSync(secretsDir, { recursive: true, force: true }));

  const boot = async (providers: string | undefined, present: (keyof typeof files)[]) => {
    for (const [name, content] of present.map((file) => files[file])) writeFileSync(join(secretsDir, name), content, { mode: 0o600 });
    const config = loadConfig(
      productionEnv({ RINGFENCE_SECRETS_DIR: secretsDir, ...(providers === undefined ? {} : { COSIGNER_PROVIDERS: providers }) }),
    );
    const module = await Test.createTestingModule({
      imports: [CryptoModule.forRoot({ secretsDir: config.secretsDir })],
      providers: [cosignerKeysProvider(config.cosigner)],
    })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile();
    try {
      return module.get(CosignerKeys).toJSON();
    } finally {
      await module.close();
    }
  };

  it('refuses to boot without our response key, naming the file and never a key', async () => {
    const refusal = boot(undefined, []);
    await expect(refusal).rejects.toThrow(/cosigner-response\.v1\.pem.*no cosigner response key/);
    await expect(refusal).rejects.not.toThrow(/BEGIN/);
  });

  it('refuses to boot without a public key of each configured provider, naming the missing file', async () => {
    await expect(boot('acme', ['response'])).rejects.toThrow(/cosigner-acme\.pub\.v1\.pem.*no acme co-signer public key/);
  });

  it('boots with the response key alone when no provider is configured (the production default), and with each provider given', async () => {
    await expect(boot(undefined, ['response'])).resolves.toEqual({ responseKid: 'v1', providers: [] });
    await expect(boot('acme', ['response', 'acme'])).resolves.toEqual({ responseKid: 'v1', providers: ['acme'] });
  });
});
