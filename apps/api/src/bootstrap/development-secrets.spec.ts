import { KeyMaterialDirectory } from '@ringfence/crypto';
import jwt from 'jsonwebtoken';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { productionEnv } from '../../../../test/support/production-env';
import { loadConfig } from '../config/app-config';
import { simulatorPrivateKeyFile, simulatorWebhookKeyFile } from '../cosigner/cosigner.options';
import { InboundKeys } from '../cosigner/inbound/inbound-keys';
import { verifyInbound } from '../cosigner/inbound/inbound-signature';
import { CosignerKeys } from '../cosigner/protocol/cosigner-keys';
import { signFireblocksWebhook } from '../providers/fireblocks/fireblocks-webhook';
import { DEVELOPMENT_MARKER, prepareSecretsDirectory } from './development-secrets';

/** The base64 body of a PEM, the part that must never reach a log line. */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

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

  it('generates the cosigner response key, and the simulator pair with its private half outside the secrets directory', () => {
    const config = loadConfig({ RINGFENCE_DATA_DIR: join(root, '.data') });
    prepareSecretsDirectory(config, logger);
    const responseFile = join(config.secretsDir, 'cosigner-response.v1.pem');
    const response = readFileSync(responseFile, 'utf8');
    expect(response).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
    expect(createPrivateKey(response).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const simulatorFile = simulatorPrivateKeyFile(config.dataDir);
    expect(simulatorFile).toBe(join(root, '.data', 'simulator', 'cosigner-simulator.v1.pem'));
    const simulator = readFileSync(simulatorFile, 'utf8');
    const simulatorPublic = readFileSync(join(config.secretsDir, 'cosigner-simulator.pub.v1.pem'), 'utf8');
    expect(simulatorPublic).toBe(createPublicKey(simulator).export({ type: 'spki', format: 'pem' }));
    for (const file of [responseFile, simulatorFile, join(config.secretsDir, 'cosigner-simulator.pub.v1.pem')]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(dirname(simulatorFile)).mode & 0o777).toBe(0o700);
    // Nothing of the provider's private key in our secrets directory.
    expect(
      readdirSync(config.secretsDir).filter((name) =>
        readFileSync(join(config.secretsDir, name), 'utf8').includes(pemBody(simulator).slice(0, 64)),
      ),
    ).toEqual([]);
    expect(existsSync(join(config.secretsDir, DEVELOPMENT_MARKER))).toBe(true);
    const warning = JSON.parse(lines.join('')) as { generated: string[] };
    expect(warning.generated).toEqual([
      'master key',
      'access-token signing key',
      'API-key pepper',
      'cosigner response key',
      'audit checkpoint signing key',
      'simulator co-signer key pair',
      'simulator webhook key pair',
    ]);
    for (const pem of [response, simulator]) expect(lines.join('')).not.toContain(pemBody(pem).slice(0, 64));

    // What was written is what the app loads at boot, and the simulator's key signs what it verifies.
    const keys = CosignerKeys.load(new KeyMaterialDirectory(config.secretsDir), config.cosigner.providers);
    expect(keys.responsePublicKey.pem).toBe(createPublicKey(response).export({ type: 'spki', format: 'pem' }));
    const callback = jwt.sign({ requestId: 'r' }, simulator, { algorithm: 'RS256' });
    expect(jwt.verify(callback, keys.providerKeys('simulator')[0]!.publicKey, { algorithms: ['RS256'] })).toMatchObject({ requestId: 'r' });
    // The simulator's webhook key: another pair, its private half outside, what InboundKeys loads verifying what it signs.
    const webhookKey = readFileSync(simulatorWebhookKeyFile(config.dataDir), 'utf8');
    expect(webhookKey).not.toBe(simulator);
    expect(statSync(simulatorWebhookKeyFile(config.dataDir)).mode & 0o777).toBe(0o600);
    const inbound = InboundKeys.load(new KeyMaterialDirectory(config.secretsDir), config.cosigner.inbound.providers).verifierOf(
      'simulator',
    );
    const body = Buffer.from('{"type":"TRANSACTION_STATUS_UPDATED"}');
    expect(inbound?.scheme).toBe('fireblocks');
    expect(
      verifyInbound(inbound!, { 'fireblocks-signature': signFireblocksWebhook(body, createPrivateKey(webhookKey)) }, body, new Date()),
    ).toHaveProperty('eventId');
  });

  it('adds only what is missing to an existing development directory, leaving every file there as it was', () => {
    const config = loadConfig({ RINGFENCE_DATA_DIR: join(root, '.data') });
    mkdirSync(config.secretsDir, { recursive: true, mode: 0o700 });
    const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // A checkout from before the cosigner, with a second response key version of its own.
    const existing: Record<string, string> = {
      'master.v1.key': 'bWFzdGVyLWtleS1vZi10aGUtZGV2ZWxvcGVyLTMyYnl0ZXM=\n',
      'jwt-signing.v3.pem': 'a signing key\n',
      'api-key-pepper.v1.key': 'a pepper\n',
      'cosigner-response.v2.pem': rsa(),
      [DEVELOPMENT_MARKER]: 'the marker as it was\n',
    };
    for (const [name, content] of Object.entries(existing)) writeFileSync(join(config.secretsDir, name), content, { mode: 0o600 });
    prepareSecretsDirectory(config, logger);
    for (const [name, content] of Object.entries(existing)) expect(readFileSync(join(config.secretsDir, name), 'utf8')).toBe(content);
    expect(readdirSync(config.secretsDir).sort()).toEqual(
      [...Object.keys(existing), 'audit-checkpoint.v1.pem', 'cosigner-simulator.pub.v1.pem', 'webhook-simulator.pub.v1.pem'].sort(),
    );
    expect((JSON.parse(lines.join('')) as { generated: string[] }).generated).toEqual([
      'audit checkpoint signing key',
      'simulator co-signer key pair',
      'simulator webhook key pair',
    ]);
  });

  it('keeps a simulator private key an interrupted start left, and writes its public half', () => {
    const config = loadConfig({ RINGFENCE_DATA_DIR: join(root, '.data') });
    const simulatorFile = simulatorPrivateKeyFile(config.dataDir);
    mkdirSync(dirname(simulatorFile), { recursive: true, mode: 0o700 });
    const left = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(simulatorFile, left.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const before = readFileSync(simulatorFile, 'utf8');
    prepareSecretsDirectory(config, logger);
    expect(readFileSync(simulatorFile, 'utf8')).toBe(before);
    expect(readFileSync(join(config.secretsDir, 'cosigner-simulator.pub.v1.pem'), 'utf8')).toBe(
      left.publicKey.export({ type: 'spki', format: 'pem' }),
    );

    writeFileSync(simulatorFile, 'not a key');
    rmSync(join(config.secretsDir, 'cosigner-simulator.pub.v1.pem'));
    expect(() => prepareSecretsDirectory(config, logger)).toThrow(/cosigner-simulator\.v1\.pem is not a PEM private key: remove it/);
  });

  it('makes no simulator pair when the simulator is not a configured provider', () => {
    const config = loadConfig({ RINGFENCE_DATA_DIR: join(root, '.data'), COSIGNER_PROVIDERS: 'acme' });
    prepareSecretsDirectory(config, logger);
    expect(existsSync(join(config.secretsDir, 'cosigner-response.v1.pem'))).toBe(true);
    expect(existsSync(join(config.secretsDir, 'cosigner-simulator.pub.v1.pem'))).toBe(false);
    expect(existsSync(simulatorPrivateKeyFile(config.dataDir))).toBe(false);
  });

  it('never generates into an operator-chosen secrets directory', () => {
    const secretsDir = join(root, 'operator-secrets');
    mkdirSync(secretsDir);
    const config = loadConfig({ RINGFENCE_SECRETS_DIR: secretsDir, RINGFENCE_DATA_DIR: join(root, '.data') });
    prepareSecretsDirectory(config, logger);
    expect(readdirSync(secretsDir)).toEqual([]);
    expect(existsSync(config.dataDir)).toBe(false);
  });

  it('refuses development keys in production', () => {
    const secretsDir = join(root, 'secrets');
    mkdirSync(secretsDir);
    writeFileSync(join(secretsDir, DEVELOPMENT_MARKER), 'x');
    const config = loadConfig(productionEnv({ RINGFENCE_SECRETS_DIR: secretsDir }));
    expect(() => prepareSecretsDirectory(config, logger)).toThrow(/development keys .* refused in production/);
  });
});
