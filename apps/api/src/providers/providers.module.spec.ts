import { Test } from '@nestjs/testing';
import { CryptoModule } from '@ringfence/crypto';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionEnv } from '../../../../test/support/production-env';
import { loadConfig } from '../config/app-config';
import { FireblocksCredentials } from './fireblocks/fireblocks-credentials';
import { fireblocksCredentialsProvider } from './providers.module';

/** The fireblocks adapter's material at boot in production: the operator's files, or no boot. */
describe('ProvidersModule in production, with the fireblocks provider', () => {
  let secretsDir: string;
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const apiKey = randomUUID();
  const files = { key: ['fireblocks-api-key.v1.key', apiKey], pem: ['fireblocks-api.v1.pem', pem] } as const;

  beforeEach(() => {
    secretsDir = mkdtempSync(join(tmpdir(), 'rf-providers-module-'));
    writeFileSync(join(secretsDir, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  });
  afterEach(() => rmSync(secretsDir, { recursive: true, force: true }));

  const boot = async (present: (keyof typeof files)[]) => {
    for (const [name, content] of present.map((file) => files[file])) writeFileSync(join(secretsDir, name), content, { mode: 0o600 });
    const config = loadConfig(
      productionEnv({
        RINGFENCE_SECRETS_DIR: secretsDir,
        COSIGNER_PROVIDERS: 'fireblocks',
        FIREBLOCKS_BASE_URL: 'https://api.fireblocks.io',
      }),
    );
    const lines: unknown[] = [];
    const module = await Test.createTestingModule({
      imports: [CryptoModule.forRoot({ secretsDir: config.secretsDir })],
      providers: [fireblocksCredentialsProvider(config.custody.fireblocks!)],
    })
      .setLogger({ log: (...line: unknown[]) => void lines.push(line), error: () => undefined, warn: () => undefined })
      .compile();
    try {
      return { credentials: module.get(FireblocksCredentials).toJSON(), logged: JSON.stringify(lines) };
    } finally {
      await module.close();
    }
  };

  it('refuses to boot without the API key or its private key, naming the file and never a key', async () => {
    await expect(boot([])).rejects.toThrow(/fireblocks-api-key\.v1\.key.*no Fireblocks API key/);
    const refusal = boot(['key']);
    await expect(refusal).rejects.toThrow(/fireblocks-api\.v1\.pem.*cannot be opened/);
    await expect(refusal).rejects.not.toThrow(apiKey);
  });

  it('boots with both, and logs which version signs, nothing of either', async () => {
    const { credentials, logged } = await boot(['key', 'pem']);
    expect(credentials).toEqual({ version: 1 });
    expect(logged).toContain('fireblocks API credentials loaded');
    expect(logged).not.toContain(apiKey);
    expect(logged).not.toMatch(/PRIVATE/);
  });
});
