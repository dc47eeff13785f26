import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { prepareDatabase } from '../database/database-bootstrap';
import { stopOnTerminationSignals } from '../database/embedded-database';
import { createAppLogger } from '../logging/app-logger';
import { prepareSecretsDirectory } from './development-secrets';
import { unsupportedNode } from './node-runtime';

/**
 * For command-line tools: the application's module graph (no HTTP, no background
 * workers) on the configured database, or the embedded one when the service is not
 * running on it; closed, and the embedded database stopped, when `work` is done or the
 * process is interrupted (SIGINT, SIGTERM). A Node.js below the supported major is
 * refused like a failed command; a bad configuration exits 78 (EX_CONFIG) with the
 * problems named.
 */
export async function withCliContext<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const refused = unsupportedNode(process.versions.node);
  if (refused) throw new Error(refused);
  let config;
  try {
    config = { ...loadConfig(process.env), role: 'api' as const };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const logger = createAppLogger({ logLevel: 'warn' });
  prepareSecretsDirectory(config, logger);
  const database = await prepareDatabase(config, logger);
  const releaseSignals = stopOnTerminationSignals(database);
  try {
    const app = await NestFactory.createApplicationContext(AppModule.register({ config, databaseUrl: database.appUrl, logger }), {
      logger: false,
    });
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  } finally {
    releaseSignals();
    await database.stop();
  }
}
