import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// First: tracing, when configured, must patch http, pg and ioredis before anything loads them.
import { startTracingIfConfigured } from './telemetry/tracing-switch';
const tracing = startTracingIfConfigured(process.env);
import { KeyMaterialDirectory, loadKeyring } from '@ringfence/crypto';
import { AdminBootstrap } from './admin-identity/admins/admin-bootstrap';
import { SigningKeys } from './admin-identity/tokens/signing-keys';
import { createApplication, shutdownApplication } from './application';
import { prepareSecretsDirectory } from './bootstrap/development-secrets';
import { describeFailure } from './bootstrap/failure-message';
import { unsupportedNode } from './bootstrap/node-runtime';
import { ConfigError, loadConfig } from './config/app-config';
import { CosignerKeys } from './cosigner/protocol/cosigner-keys';
import { refusePublishedTestKeys } from './cosigner/protocol/published-test-keys';
import { CONSOLE_BUNDLE_DIR } from './console-host/console-bundle-dir';
import { prepareDatabase } from './database/database-bootstrap';
import { FireblocksCredentials } from './providers/fireblocks/fireblocks-credentials';
import { createAppLogger } from './logging/app-logger';
import { ApiKeyPeppers } from './workspaces/api-keys/api-key-peppers';

async function main(): Promise<void> {
  const refused = unsupportedNode(process.versions.node);
  if (refused) throw new Error(refused);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createAppLogger(config);
  prepareSecretsDirectory(config, logger);
  // Key material first: a missing or malformed key stops the boot before anything starts.
  const secrets = new KeyMaterialDirectory(config.secretsDir);
  loadKeyring(secrets, config.activeMasterKeyVersion);
  SigningKeys.load(secrets, config.adminAuth.signingKeyVersion);
  ApiKeyPeppers.load(secrets);
  const cosignerKeys = CosignerKeys.load(secrets, config.cosigner.providers, config.cosigner.responseKeyVersion);
  if (config.env === 'production') refusePublishedTestKeys(cosignerKeys);
  if (config.custody.fireblocks) FireblocksCredentials.load(secrets, config.custody.fireblocks.apiKeyVersion);
  const database = await prepareDatabase(config, logger);

  let app;
  let created: Awaited<ReturnType<AdminBootstrap['createFirstOwner']>> | undefined;
  try {
    app = await createApplication({ config, databaseUrl: database.appUrl, logger, ...(tracing ? { tracing } : {}) });
    if (config.adminAuth.bootstrapEmail) created = await app.get(AdminBootstrap).createFirstOwner(config.adminAuth.bootstrapEmail);
    await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
  const base = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}`;
  const consoleUrl = config.role !== 'worker' && existsSync(join(CONSOLE_BUNDLE_DIR, 'index.html')) ? `${base}/console` : undefined;
  const pages = [...(consoleUrl ? [`console: ${consoleUrl}`] : []), ...(config.http.docsEnabled ? [`docs: ${base}/docs`] : [])];
  logger.info(
    { node: process.version, role: config.role, tracing: tracing !== undefined, metrics: config.metrics.access },
    `Ringfence API listening on ${base}${pages.length > 0 ? ` (${pages.join(', ')})` : ''}`,
  );
  // The one-time credential last, once the log lines before it are out: it is what a person
  // starting the server must not miss.
  if (created) {
    const owner = created;
    logger.flush(() => printFirstOwner(owner.admin.email, owner.oneTimePassword, consoleUrl));
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight ones');
    const deadline = setTimeout(() => {
      logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, config.http.shutdownGraceMs);
    deadline.unref();
    void (async () => {
      await shutdownApplication(app);
      await database.stop();
      logger.info('stopped');
    })().then(
      () => logger.flush(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Shown once, on the terminal only: straight to stdout, never through the logger (which
 * redacts and may ship lines elsewhere). The password is one-time: the first login must
 * replace it and enrol TOTP.
 */
function printFirstOwner(email: string, oneTimePassword: string, consoleUrl: string | undefined): void {
  // Bold yellow on a terminal, so it stands out of the log lines; plain text otherwise.
  const [on, off] = process.stdout.isTTY ? ['\x1b[1;33m', '\x1b[0m'] : ['', ''];
  process.stdout.write(
    [
      '',
      `${on}  ┌──────────────────────────────────────────────────────────────────────┐`,
      '  │ First owner created. Shown once, valid 72 hours; login replaces it.  │',
      `  │   email:              ${email.padEnd(47)}│`,
      `  │   one-time password:  ${oneTimePassword.padEnd(47)}│`,
      ...(consoleUrl
        ? [`  │ Sign in at ${consoleUrl.padEnd(58)}│`, '  │ (the first login enrols TOTP, then replaces the password).           │']
        : ['  │ Sign in at POST /v1/auth/login, then set a password and enrol TOTP.  │']),
      `  └──────────────────────────────────────────────────────────────────────┘${off}`,
      '',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Ringfence failed to start: ${describeFailure(error)}\n`);
  process.exit(1);
});
