import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditEvent, AuditWriter } from '@ringfence/audit';
import { UnitOfWork } from '@ringfence/tenancy';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { AppModule } from '../app.module';
import { AppConfig, loadConfig } from '../config/app-config';
import { CommandDatabase, prepareCommandDatabase } from '../database/database-bootstrap';
import { stopOnTerminationSignals } from '../database/embedded-database';
import { createAppLogger } from '../logging/app-logger';
import { prepareSecretsDirectory } from './development-secrets';

/** How long a command waits for its first connection before it says why it could not reach the database. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Connections a command's application context holds at most. */
const COMMAND_POOL_SIZE = 4;

/**
 * What a command works on: the configuration, a quiet logger, and the database
 * (`prepareCommandDatabase`: the configured one, else the embedded PostgreSQL as a running
 * Ringfence serves it, else one started for the command), reached once before anything
 * else so a failure says what could not be reached and why. `release()` stops only what the
 * command started; SIGINT and SIGTERM stop it too. A bad configuration throws `ConfigError`.
 */
export async function openCommandDatabase({ migrate = true }: { migrate?: boolean } = {}): Promise<{
  config: AppConfig;
  logger: Logger;
  database: CommandDatabase;
  release: () => Promise<void>;
}> {
  const loaded = loadConfig(process.env);
  // A command does one thing at a time: a few connections, not the server's pool beside the server's own.
  const config = {
    ...loaded,
    role: 'api' as const,
    database: { ...loaded.database, poolSize: Math.min(loaded.database.poolSize, COMMAND_POOL_SIZE) },
  };
  const logger = createAppLogger({ logLevel: 'warn' });
  prepareSecretsDirectory(config, logger);
  const database = await prepareCommandDatabase(config, logger, { migrate });
  const releaseSignals = stopOnTerminationSignals(database);
  const release = async (): Promise<void> => {
    releaseSignals();
    await database.stop();
  };
  if (database.attached) process.stderr.write(`using ${database.description}\n`);
  try {
    await assertReachable(database.appUrl, database.description);
    if (database.migrate) {
      await database.migrate().catch((error: unknown) => {
        throw new Error(`migrating ${database.description} before the command failed (MIGRATE_ON_BOOT)`, { cause: error });
      });
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { config, logger, database, release };
}

/**
 * For command-line tools: the application's module graph (no HTTP, no background workers)
 * on the command's database (`openCommandDatabase`); closed, and an embedded database the
 * command started stopped, when `work` is done or the process is interrupted.
 */
export async function withCliContext<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const { config, logger, database, release } = await openCommandDatabase();
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
    await release();
  }
}

/**
 * Writes one audit row as the system actor `system:<process>` in its own transaction: what
 * a command changed or attested, like a request's mutation.
 */
export async function auditAsSystem(app: INestApplicationContext, process: string, event: AuditEvent): Promise<void> {
  const unitOfWork = app.get(UnitOfWork);
  const audit = app.get(AuditWriter);
  await unitOfWork.run(() => audit.append(event), { principal: { kind: 'system', process } });
}

/** One connection, opened and closed: a failure names what was reached and carries the driver's cause. */
export async function assertReachable(url: string, description: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'ringfence-cli' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${description}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
