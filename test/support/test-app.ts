import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createApplication, shutdownApplication } from '../../apps/api/src/application';
import { AppConfig, loadConfig } from '../../apps/api/src/config/app-config';
import { simulatorPrivateKeyFile, simulatorWebhookKeyFile } from '../../apps/api/src/cosigner/cosigner.options';
import { createAppLogger } from '../../apps/api/src/logging/app-logger';
import type { RequestTracing } from '../../apps/api/src/telemetry/request-tracing';
import { TestDatabase } from './test-database';
import { testEnv } from './test-env';

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log output, for "this string never appears" assertions. */
  rawLogs(): string;
  /** Where the file mail transport writes (`<data dir>/mail`). */
  readonly mailDir: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port: for what only a real socket shows (Node's HTTP parser, connections). */
export async function listenOn(t: Pick<TestApp, 'app'>): Promise<URL> {
  return new URL(await t.app.getHttpAdapter().getInstance().listen({ port: 0, host: '127.0.0.1' }));
}

/** One ES256 key per test process (`jwt-signing.v1.pem` of every test app): generated here, never committed. */
export const TEST_SIGNING_KEY: string = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** One Ed25519 audit checkpoint key per test process (`audit-checkpoint.v1.pem` of every test app). */
export const TEST_CHECKPOINT_KEY: string = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** One API-key pepper per test process, so two test apps accept each other's keys. */
const TEST_PEPPER = randomBytes(32).toString('base64');

/** Our co-signer response key (`cosigner-response.v1.pem` of every test app), made once per run by the global setup. */
const TEST_COSIGNER_RESPONSE_KEY = testEnv('cosignerResponseKey');

/** The public half of every test app's response key (kid `v1`, SPKI PEM): what verifies the co-signer answers. */
export const TEST_COSIGNER_RESPONSE_PUBLIC_KEY: string = spkiPem(TEST_COSIGNER_RESPONSE_KEY);

/**
 * The `simulator` provider's co-signer private key (PKCS#8 PEM): what signs callbacks as the
 * provider. Every test app holds its public half (`cosigner-simulator.pub.v1.pem`) and, as
 * development does, this private half under `<data dir>/simulator/`.
 */
export const TEST_SIMULATOR_PRIVATE_KEY: string = testEnv('simulatorKey');

function spkiPem(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
}

export interface TestAppOptions {
  /** Extra feature modules (probes). */
  features?: Type[];
  /** Environment variables over the test defaults, validated as at boot. */
  env?: Record<string, string>;
  /** Files of the secrets directory over the standard ones (`master.v2.key`, …). */
  secretFiles?: Record<string, string>;
  /** The validated configuration changed where no variable can (a test-only setting: loopback webhook sinks). */
  configure?: (config: AppConfig) => AppConfig;
  /** OpenTelemetry, started by the caller before anything loaded http or pg (tracing.spec's probe). */
  tracing?: RequestTracing;
}

/** The directories a test app owns, removed when it closes. */
export interface TestDirectories {
  /**
   * A secrets directory as a deployment has one: a master key of its own, the process's
   * signing key, pepper and cosigner response key, and the simulator's co-signer public key.
   */
  readonly secretsDir: string;
  readonly dataDir: string;
  remove(): void;
}

export function createTestDirectories(secretFiles: Record<string, string> = {}): TestDirectories {
  const secretsDir = mkdtempSync(join(tmpdir(), 'rf-secrets-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-data-'));
  writeFileSync(join(secretsDir, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const standard = {
    'jwt-signing.v1.pem': TEST_SIGNING_KEY,
    'api-key-pepper.v1.key': TEST_PEPPER,
    'cosigner-response.v1.pem': TEST_COSIGNER_RESPONSE_KEY,
    'cosigner-simulator.pub.v1.pem': spkiPem(TEST_SIMULATOR_PRIVATE_KEY),
    // The simulator's webhook key is its co-signer key in tests (one RSA key fewer to make per run).
    'webhook-simulator.pub.v1.pem': spkiPem(TEST_SIMULATOR_PRIVATE_KEY),
    'audit-checkpoint.v1.pem': TEST_CHECKPOINT_KEY,
  };
  for (const [name, content] of Object.entries({ ...standard, ...secretFiles })) {
    writeFileSync(join(secretsDir, name), content, { mode: 0o600 });
  }
  const simulatorKeyFile = simulatorPrivateKeyFile(dataDir);
  mkdirSync(dirname(simulatorKeyFile), { mode: 0o700 });
  writeFileSync(simulatorKeyFile, TEST_SIMULATOR_PRIVATE_KEY, { mode: 0o600 });
  writeFileSync(simulatorWebhookKeyFile(dataDir), TEST_SIMULATOR_PRIVATE_KEY, { mode: 0o600 });
  return {
    secretsDir,
    dataDir,
    remove() {
      rmSync(secretsDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The configuration a test app boots with (the same validation as production), `env` over the test defaults. */
export function testConfig(databaseUrl: string, directories: TestDirectories, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    RINGFENCE_SECRETS_DIR: directories.secretsDir,
    RINGFENCE_DATA_DIR: directories.dataDir,
    LOG_LEVEL: 'info',
    // Tests change sessions behind the app's back (expiry, disable): read them every time.
    // The cache has its own test.
    ADMIN_SESSION_CACHE_MS: '0',
    API_KEY_CACHE_MS: '0',
    // Specs share 127.0.0.1; the per-address limit has its own spec.
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    // Specs sign the co-signer's callbacks themselves, as the simulator: its own co-signer
    // would race them. provider-simulator.spec turns it on.
    SIMULATOR_COSIGNER_ENABLED: 'false',
    // Its status webhooks would move transfers the specs read as approved; inbound-webhooks.spec turns them on.
    SIMULATOR_WEBHOOKS_ENABLED: 'false',
    ...env,
  });
}

/** The real application (same config validation, same pipeline) on a test database. */
export async function createTestApp(database: Pick<TestDatabase, 'appUrl'>, options: TestAppOptions = {}): Promise<TestApp> {
  const directories = createTestDirectories(options.secretFiles);
  const loaded = testConfig(database.appUrl, directories, options.env);
  const config = options.configure ? options.configure(loaded) : loaded;
  const lines: string[] = [];
  const logger = createAppLogger(config, { write: (line: string) => void lines.push(line) });
  // nestjs-pino keeps the first logger it is given for the whole process: from now on Nest's
  // lines (this app's, and those of any test app still open) go to this app's logger.
  __resetOutOfContextForTests();
  new PinoLogger({ pinoHttp: { logger } });
  const app = await createApplication({
    config,
    databaseUrl: database.appUrl,
    logger,
    features: options.features,
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  await app.getHttpAdapter().getInstance().ready();
  // Nest's own log lines (jobs, the database's outage reports) are buffered until `listen`,
  // which a test app never calls: let them through as a listening server would.
  app.flushLogs();
  let closing: Promise<void> | undefined;
  return {
    app,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLogs: () => lines.join(''),
    mailDir: join(directories.dataDir, 'mail'),
    // Once, however often it is called: a spec's own close and the fixture's may both run.
    close() {
      closing ??= (async () => {
        await shutdownApplication(app);
        directories.remove();
      })();
      return closing;
    },
  };
}
