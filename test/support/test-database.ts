import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
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
      await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
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

/** A test database with a superuser client already open on it, and its resources closed before the drop. */
export interface TestDatabaseHandle extends TestDatabase {
  /** As the superuser: assertions and tampering that no app role could do. */
  readonly superuser: Client;
  /** A TypeORM DataSource on `url` (`db.appUrl`, …), destroyed before the drop. */
  dataSource(url: string, extra?: Record<string, unknown>): Promise<DataSource>;
}

/** A test database whose hooks someone else registers (useTestDatabase, useTestApp). */
export interface TestDatabaseSlot {
  /** Reads the database opened last; throws outside the hooks. */
  readonly handle: TestDatabaseHandle;
  open(): Promise<void>;
  /** Destroys the data sources, ends the clients, drops the database. */
  drop(): Promise<void>;
}

export function testDatabaseSlot(options: { empty?: boolean } = {}): TestDatabaseSlot {
  let current: { db: TestDatabase; superuser: Client; sources: DataSource[] } | undefined;
  const live = (): NonNullable<typeof current> => {
    if (!current) throw new Error('the test database is used outside its hooks (read it inside a test or a hook)');
    return current;
  };
  const drop = async (): Promise<void> => {
    const ending = current;
    current = undefined;
    if (!ending) return;
    await Promise.all(ending.sources.map((source) => source.destroy().catch(() => undefined)));
    await ending.db.drop();
  };
  return {
    async open() {
      const db = await createTestDatabase(options);
      current = { db, superuser: await db.connect(db.adminUrl), sources: [] };
    },
    drop,
    handle: {
      get name() {
        return live().db.name;
      },
      get appUrl() {
        return live().db.appUrl;
      },
      get ownerUrl() {
        return live().db.ownerUrl;
      },
      get adminUrl() {
        return live().db.adminUrl;
      },
      get superuser() {
        return live().superuser;
      },
      connect: (url: string) => live().db.connect(url),
      drop,
      async dataSource(url: string, extra?: Record<string, unknown>) {
        const source = await new DataSource({ type: 'postgres', url, ...(extra ? { extra } : {}) }).initialize();
        live().sources.push(source);
        return source;
      },
    },
  };
}

/**
 * One database for this describe block: cloned in `beforeAll` (`beforeEach` with
 * `each`), dropped in `afterAll` (`afterEach`). Read its fields inside tests and hooks,
 * not at the top of the file, where they do not exist yet.
 */
export function useTestDatabase(options: { empty?: boolean; each?: boolean } = {}): TestDatabaseHandle {
  const slot = testDatabaseSlot(options);
  const [setUp, tearDown] = options.each ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(() => slot.open());
  tearDown(() => slot.drop());
  return slot.handle;
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
