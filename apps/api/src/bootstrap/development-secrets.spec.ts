import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config/app-config';
import { DEVELOPMENT_MARKER, prepareSecretsDirectory } from './development-secrets';

describe('prepareSecretsDirectory', () => {
  let root: string;
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rf-devkeys-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('generates one private development master key and signing key, loudly, and reuses them', () => {
    const config = loadConfig({ RINGFENCE_DATA_DIR: join(root, '.data') });
    prepareSecretsDirectory(config, logger);
    const keyFile = join(config.secretsDir, 'master.v1.key');
    const key = readFileSync(keyFile, 'utf8');
    expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(config.secretsDir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(config.secretsDir, DEVELOPMENT_MARKER))).toBe(true);
    expect(lines.join('')).toMatch(/DEVELOPMENT KEYS GENERATED/);
    expect(lines.join('')).not.toContain(key.trim());
    const signingKeyFile = join(config.secretsDir, 'jwt-signing.v1.pem');
    const signingKey = readFileSync(signingKeyFile, 'utf8');
    expect(createPrivateKey(signingKey).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(statSync(signingKeyFile).mode & 0o777).toBe(0o600);
    const pepperFile = join(config.secretsDir, 'api-key-pepper.v1.key');
    expect(Buffer.from(readFileSync(pepperFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(statSync(pepperFile).mode & 0o777).toBe(0o600);

    lines.length = 0;
    prepareSecretsDirectory(config, logger);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(readFileSync(signingKeyFile, 'utf8')).toBe(signingKey);
    expect(lines).toHaveLength(0);
  });

  it('never generates into an operator-chosen secrets directory', () => {
    const secretsDir = join(root, 'operator-secrets');
    mkdirSync(secretsDir);
    prepareSecretsDirectory(loadConfig({ RINGFENCE_SECRETS_DIR: secretsDir }), logger);
    expect(existsSync(join(secretsDir, 'master.v1.key'))).toBe(false);
  });

  it('refuses development keys in production', () => {
    const secretsDir = join(root, 'secrets');
    mkdirSync(secretsDir);
    writeFileSync(join(secretsDir, DEVELOPMENT_MARKER), 'x');
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db/rf',
      MIGRATE_ON_BOOT: 'false',
      RINGFENCE_SECRETS_DIR: secretsDir,
      SMTP_URL: 'smtp://mail.example.com',
    });
    expect(() => prepareSecretsDirectory(config, logger)).toThrow(/development keys .* refused in production/);
  });
});
