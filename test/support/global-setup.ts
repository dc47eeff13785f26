import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../apps/api/src/bootstrap/free-port';
import { EmbeddedDatabase, stopOnTerminationSignals } from '../../apps/api/src/database/embedded-database';
import { createOwnedDatabase, MigrationRunner, OWNER_ROLE, provisionRoles, withCredentials } from '../../prisma-free';
import { ensureConsoleBundle } from '../console/support/console-bundle';
import { TEST_ENV } from './test-env';

/** This run's embedded server and the temporary directory it lives in. */
export interface EmbeddedRun {
  database: EmbeddedDatabase;
  workDir: string;
}

/**
 * Once per run: a PostgreSQL server (TEST_DATABASE_URL, a superuser connection, or an
 * embedded one in a temporary directory, never ./.data, removed by the teardown or when
 * this setup fails), the two roles, a template database migrated once that every
 * test file clones, the cosigner's RSA keys every test app is given, and the admin
 * console's bundle built from its sources.
 */
export default async function globalSetup(): Promise<void> {
  // The console's browser specs test the bundle of the sources as they are.
  await ensureConsoleBundle();
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const embedded = process.env.TEST_DATABASE_URL ? undefined : await startEmbedded();
  const adminUrl = process.env.TEST_DATABASE_URL ?? embedded!.database.superuserUrl;
  const passwords = { owner: `owner_${runId}`, app: `app_${runId}` };
  const template = `rf_tpl_${runId}`;
  try {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await provisionRoles(admin, passwords);
      await createOwnedDatabase(adminUrl, template);
      await admin.query(`ALTER DATABASE ${template} SET synchronous_commit = off`);
    } finally {
      await admin.end();
    }
    const owner = new Client({ connectionString: withCredentials(adminUrl, OWNER_ROLE, passwords.owner, template) });
    await owner.connect();
    try {
      await new MigrationRunner(owner).up();
    } finally {
      await owner.end();
    }
  } catch (error) {
    // Jest runs no teardown after a failed setup.
    if (embedded) await removeEmbedded(embedded);
    throw error;
  }

  (globalThis as { __RF_EMBEDDED__?: EmbeddedRun }).__RF_EMBEDDED__ = embedded;
  process.env[TEST_ENV.adminUrl] = adminUrl;
  process.env[TEST_ENV.template] = template;
  process.env[TEST_ENV.ownerPassword] = passwords.owner;
  process.env[TEST_ENV.appPassword] = passwords.app;
  process.env[TEST_ENV.runId] = runId;
  process.env[TEST_ENV.cosignerResponseKey] = newRsaPrivateKey();
  process.env[TEST_ENV.simulatorKey] = newRsaPrivateKey();
}

/** RSA-2048 keys take tens of milliseconds each to make: once per run, not once per test file. */
function newRsaPrivateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function startEmbedded(): Promise<EmbeddedRun> {
  const workDir = mkdtempSync(join(tmpdir(), 'rf-test-pg-'));
  chmodSync(workDir, 0o711);
  const database = new EmbeddedDatabase({
    directory: join(workDir, 'pg'),
    port: await freePort(),
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' },
  });
  try {
    await database.start();
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  // Its server runs in its own process group: an interrupted run stops it rather than leave it behind.
  stopOnTerminationSignals(database);
  return { database, workDir };
}

/** Stops the run's embedded server and removes its directory. */
export async function removeEmbedded(run: EmbeddedRun): Promise<void> {
  await run.database.stop();
  rmSync(run.workDir, { recursive: true, force: true });
}
