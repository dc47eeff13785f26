import { APP_ROLE, createOwnedDatabase, MigrationRunner, OWNER_ROLE, provisionRoles, withCredentials } from '@ringfence/migrations';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, EmbeddedDatabaseError, readOrCreatePassword } from './embedded-database';
import { inspectPostmaster } from './postmaster-lock';

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

  return startEmbeddedDatabase(config, logger, { migrate: true });
}

/** What a command-line tool works on: the app role's connection, the owner role's (for migrations), and where they lead. */
export interface CommandDatabase extends PreparedDatabase {
  /** The owner role's connection, when known (DATABASE_MIGRATION_URL, or the embedded database's). */
  readonly ownerUrl?: string;
  /** Set when the embedded database is the one a running Ringfence serves (not started, nor stopped, by the command). */
  readonly attached?: RunningEmbeddedDatabase;
  /** Where it leads, for messages: host, port, database and user, never a password. */
  readonly description: string;
  /** A configured database's pending migrations, to apply once it is known to be reachable (MIGRATE_ON_BOOT). */
  readonly migrate?: () => Promise<void>;
}

/**
 * For a command-line tool: the configured database (its `migrate` set when MIGRATE_ON_BOOT and
 * `migrate` say so, for the caller to run once it reached it); with no DATABASE_URL, the embedded PostgreSQL of the data directory as
 * a running Ringfence serves it (its port read from `postmaster.pid`; nothing started,
 * migrated or stopped), or else one started for the command, provisioned (and migrated
 * when `migrate`), stopped by `stop()`.
 */
export async function prepareCommandDatabase(
  config: AppConfig,
  logger: Logger,
  { migrate: migrating }: { migrate: boolean },
): Promise<CommandDatabase> {
  const url = config.database.url;
  if (url) {
    const ownerUrl = config.database.migrationUrl;
    return {
      appUrl: config.database.url,
      ownerUrl,
      embedded: false,
      description: `the database of DATABASE_URL (${describeUrl(config.database.url)})`,
      migrate: migrating && config.database.migrateOnBoot ? () => migrate(ownerUrl ?? url, logger) : undefined,
      stop: () => Promise.resolve(),
    };
  }
  const running = runningEmbeddedDatabase(config.dataDir);
  if (running) {
    return {
      appUrl: running.appUrl,
      ownerUrl: running.ownerUrl,
      embedded: true,
      attached: running,
      description: `the embedded PostgreSQL of ${running.directory} (port ${running.port}), served by the running Ringfence (pid ${running.ownerPid})`,
      stop: () => Promise.resolve(),
    };
  }
  const started = await startEmbeddedDatabase(config, logger, { migrate: migrating });
  return {
    ...started,
    description: `the embedded PostgreSQL of ${join(config.dataDir, 'pg')} (port ${config.database.embeddedPort}), started for this command`,
  };
}

/** The embedded database of a data directory that a running process (the service, or another command) serves. */
export interface RunningEmbeddedDatabase {
  readonly directory: string;
  readonly port: number;
  /** The postmaster's pid, and the Node process that started it. */
  readonly serverPid: number;
  readonly ownerPid: number;
  readonly appUrl: string;
  readonly ownerUrl: string;
}

/**
 * The embedded PostgreSQL of `dataDir` if a live Ringfence process (the one that started
 * it) serves it now, read from its `postmaster.pid` (port included); null when none runs,
 * or when it was left behind by a start that is gone (a new start stops that one).
 */
export function runningEmbeddedDatabase(dataDir: string): RunningEmbeddedDatabase | null {
  const directory = join(dataDir, 'pg');
  const found = inspectPostmaster(directory);
  if (found.state !== 'owned') return null;
  const { pid, port } = found.lock;
  if (port === undefined) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL of ${directory} is running (pid ${pid}, started by process ${found.ownerPid}) but its postmaster.pid names no port: ` +
        'stop that process and run the command again, or set DATABASE_URL to reach the database',
    );
  }
  const password = (file: string): string => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL of ${directory} is running (port ${port}, started by process ${found.ownerPid}), but its password file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
          'run the command as the user that started it, or stop that process first',
        { cause: error },
      );
    }
  };
  const superuserUrl = `postgres://postgres:${encodeURIComponent(password(`${directory}.superuser`))}@127.0.0.1:${port}/postgres`;
  return {
    directory,
    port,
    serverPid: pid,
    ownerPid: found.ownerPid,
    appUrl: withCredentials(superuserUrl, APP_ROLE, password(join(dataDir, 'pg.app')), EMBEDDED_DATABASE_NAME),
    ownerUrl: withCredentials(superuserUrl, OWNER_ROLE, password(join(dataDir, 'pg.owner')), EMBEDDED_DATABASE_NAME),
  };
}

/** A connection URL for a message: `user@host:port/database`, never the password (an unparsable URL is not repeated). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username);
    return `${user ? `${user}@` : ''}${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return 'an unparsable URL';
  }
}

/** Starts the embedded PostgreSQL of the data directory, gives it the two roles and the database, and migrates it when `migrate`. */
async function startEmbeddedDatabase(
  config: AppConfig,
  logger: Logger,
  { migrate: migrating }: { migrate: boolean },
): Promise<PreparedDatabase & { ownerUrl: string }> {
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
    if (migrating) await migrate(ownerUrl, logger);
    return {
      ownerUrl,
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
