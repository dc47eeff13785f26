import 'reflect-metadata';
import { KeyMaterialDirectory, loadKeyring } from '@ringfence/crypto';
import { AdminBootstrap } from './admin-identity/admins/admin-bootstrap';
import { SigningKeys } from './admin-identity/tokens/signing-keys';
import { createApplication, shutdownApplication } from './application';
import { prepareSecretsDirectory } from './bootstrap/development-secrets';
import { describeFailure } from './bootstrap/failure-message';
import { unsupportedNode } from './bootstrap/node-runtime';
import { ConfigError, loadConfig } from './config/app-config';
import { CosignerKeys } from './cosigner/protocol/cosigner-keys';
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
  CosignerKeys.load(secrets, config.cosigner.providers, config.cosigner.responseKeyVersion);
  if (config.custody.fireblocks) FireblocksCredentials.load(secrets, config.custody.fireblocks.apiKeyVersion);
  const database = await prepareDatabase(config, logger);

  let app;
  try {
    app = await createApplication({ config, databaseUrl: database.appUrl, logger });
    if (config.adminAuth.bootstrapEmail) {
      const created = await app.get(AdminBootstrap).createFirstOwner(config.adminAuth.bootstrapEmail);
      if (created) printFirstOwner(created.admin.email, created.oneTimePassword);
    }
    await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
  const base = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}`;
  logger.info({ node: process.version }, `Ringfence API listening on ${base}${config.http.docsEnabled ? ` (docs: ${base}/docs)` : ''}`);

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
function printFirstOwner(email: string, oneTimePassword: string): void {
  process.stdout.write(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────────────┐',
      '  │ First owner created. Shown once; the first login replaces it.        │',
      `  │   email:              ${email.padEnd(47)}│`,
      `  │   one-time password:  ${oneTimePassword.padEnd(47)}│`,
      '  └──────────────────────────────────────────────────────────────────────┘',
      '',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Ringfence failed to start: ${describeFailure(error)}\n`);
  process.exit(1);
});
