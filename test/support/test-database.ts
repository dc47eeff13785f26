import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APP_ROLE, createOwnedDatabase, OWNER_ROLE, withCredentials, withDatabase } from '../../prisma-free';
import { testEnv } from './test-env';

export interface TestDatabase {
  readonly name: string;
  /** As ringfence_app: what the application connects as. */
  readonly appUrl: string;
  /** As ringfence_owner: what migrations run as. */
  readonly ownerUrl: string;
  /** As the superuser: for tampering in tests, never for the app. */
  readonly adminUrl: string;
  /** A connected client for `url`, ended by `drop()`. */
  connect(url: string): Promise<Client>;
  drop(): Promise<void>;
}

/** A fresh clone of the migrated template, for one test file. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const serverAdminUrl = testEnv('adminUrl');
  const name = `rf_t_${testEnv('runId')}_${randomBytes(4).toString('hex')}`;
  if (options.empty) {
    await createOwnedDatabase(serverAdminUrl, name);
  } else {
    const admin = new Client({ connectionString: serverAdminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}" OWNER ${OWNER_ROLE} TEMPLATE "${testEnv('template')}"`);
    } finally {
      await admin.end();
    }
  }
  const clients: Client[] = [];
  return {
    name,
    appUrl: withCredentials(serverAdminUrl, APP_ROLE, testEnv('appPassword'), name),
    ownerUrl: withCredentials(serverAdminUrl, OWNER_ROLE, testEnv('ownerPassword'), name),
    adminUrl: withDatabase(serverAdminUrl, name),
    async connect(url: string) {
      const client = new Client({ connectionString: url });
      await client.connect();
      clients.push(client);
      return client;
    },
    async drop() {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      const dropper = new Client({ connectionString: serverAdminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}


/**
 * Runs `work` on `client` in a transaction with these settings (`app.workspace_id`, …),
 * then rolls it back: a policy probe that leaves nothing behind.
 */
export async function inRolledBackTransaction<T>(client: Client, settings: Record<string, string>, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    for (const [name, value] of Object.entries(settings)) await client.query('SELECT set_config($1, $2, true)', [name, value]);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}
