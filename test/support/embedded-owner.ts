/**
 * A process that owns an EmbeddedDatabase, for the specs about what happens around its
 * processes (a kill, a signal, an exit). Run by `spawnOwner` (embedded-owner-process.ts)
 * under ts-node; its options come as JSON in argv[2]. It prints one JSON line per event:
 * `{"event":"ready","postmasterPid":…}`, `{"event":"failed","message":…}`,
 * `{"event":"stopped","query":…}`. On SIGTERM it stops the database and exits 0 (with
 * `queryOnTerm`, it first runs a query on a connection opened at start); with
 * `stopOnSignals` it leaves SIGINT and SIGTERM to `stopOnTerminationSignals`; with
 * `exitWhenReady` it exits at once without stopping anything. It stays alive otherwise, as
 * a service would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase, readOrCreatePassword, stopOnTerminationSignals } from '../../apps/api/src/database/embedded-database';

export interface OwnerOptions {
  directory: string;
  port: number;
  settings?: Record<string, string>;
  /** A server setting given the superuser password as its value (PostgreSQL repeats a bad value in its error). */
  passwordAsSetting?: string;
  queryOnTerm?: boolean;
  stopOnSignals?: boolean;
  exitWhenReady?: boolean;
}

function say(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as OwnerOptions;
  const settings = { ...options.settings };
  if (options.passwordAsSetting) settings[options.passwordAsSetting] = readOrCreatePassword(`${options.directory}.superuser`);
  const database = new EmbeddedDatabase({ directory: options.directory, port: options.port, settings });
  setInterval(() => undefined, 60_000); // alive until told otherwise, like a service
  try {
    await database.start();
  } catch (error) {
    say({ event: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  const postmasterPid = Number(readFileSync(join(options.directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (options.exitWhenReady) {
    say({ event: 'ready', postmasterPid });
    process.exit(0);
  }
  if (options.stopOnSignals) {
    stopOnTerminationSignals(database);
    say({ event: 'ready', postmasterPid });
    return;
  }
  const client = options.queryOnTerm ? new Client({ connectionString: database.superuserUrl }) : undefined;
  client?.on('error', () => undefined);
  await client?.connect();
  process.once('SIGTERM', () => {
    void (async () => {
      let query: string | undefined;
      if (client) {
        try {
          const { rows } = await client.query<{ one: number }>('SELECT pg_sleep(0.2), 1 AS one');
          query = rows[0]?.one === 1 ? 'ok' : 'wrong answer';
        } catch (error) {
          query = `failed: ${(error as Error).message}`;
        }
        await client.end().catch(() => undefined);
      }
      await database.stop();
      say({ event: 'stopped', query });
      process.exit(0);
    })();
  });
  say({ event: 'ready', postmasterPid });
}

void main();
