/**
 * The app's embedded database as `npm start` prepares it (configuration from the
 * environment, development keys, `prepareDatabase`: the server under
 * `$RINGFENCE_DATA_DIR/pg`, its roles, the `ringfence` database, migrated), held by this
 * Node process as the service holds it, without the HTTP server. Run under ts-node by
 * test/cli/cli.spec.ts; prints `{"event":"ready","pid":…}` once ready, or
 * `{"event":"failed","message":…}`; on SIGTERM it stops the database and exits 0.
 */
import 'reflect-metadata';
import { prepareSecretsDirectory } from '../../apps/api/src/bootstrap/development-secrets';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { prepareDatabase } from '../../apps/api/src/database/database-bootstrap';
import { createAppLogger } from '../../apps/api/src/logging/app-logger';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createAppLogger({ logLevel: 'warn' });
  prepareSecretsDirectory(config, logger);
  const database = await prepareDatabase(config, logger);
  setInterval(() => undefined, 60_000); // alive until told otherwise, like the service
  process.once('SIGTERM', () => {
    void database.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ event: 'failed', message: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});
