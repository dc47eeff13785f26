import type { AdminRole } from '@ringfence/tenancy';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Client } from 'pg';
import type { TestAdmin } from './admin-session';
import type { TestKey } from './api-key';
import { newAdmin, newKey, NewKey, newWorkspace, NewWorkspace } from './factories';
import { createTestApp, listenOn, TestApp, TestAppOptions } from './test-app';
import { TestDatabaseHandle, testDatabaseSlot } from './test-database';
import type { WorkspaceDto } from '../../apps/api/src/workspaces/dto/workspace.dto';

export interface UseTestAppOptions extends Omit<TestAppOptions, 'env'> {
  /** Environment variables over the test defaults; a function when they are known only in a hook (a Redis started in `beforeAll`). */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Listen on a free loopback port (`url`), for tests that need a real socket; `inject` needs none. */
  listen?: boolean;
  /** A new database and app for every test (`beforeEach`), not one for the block. */
  each?: boolean;
  /** A database with no migration applied, in place of a clone of the migrated template. */
  emptyDatabase?: boolean;
}

/** The application under test and its database, with the factories bound to it. */
export interface TestAppHandle extends TestApp {
  readonly db: TestDatabaseHandle;
  /** The database's superuser client (`db.superuser`). */
  readonly superuser: Client;
  /** Where the app listens (`listen: true` only). */
  readonly url: URL;
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
  /** Another application on the same database (other settings, other secrets), closed by the fixture. */
  another(options?: TestAppOptions): Promise<TestApp>;
  newWorkspace(options?: NewWorkspace): Promise<WorkspaceDto>;
  newKey(options?: NewKey): Promise<TestKey>;
  newAdmin(role: AdminRole, options?: { email?: string }): Promise<TestAdmin>;
}

/**
 * The lifecycle every e2e spec shares, as hooks: clone the template database, build the
 * real application with `env` over the test defaults, listen if asked; close every app
 * and drop the database at the end. Call it at the top of a describe block; read the
 * handle inside tests and hooks (its fields exist from the block's `beforeAll` on).
 */
export function useTestApp(options: UseTestAppOptions = {}): TestAppHandle {
  const { listen, each, emptyDatabase, env, ...appOptions } = options;
  const slot = testDatabaseSlot({ empty: emptyDatabase });
  const db = slot.handle;
  let current: { app: TestApp; url?: URL; others: TestApp[] } | undefined;
  const [setUp, tearDown] = each ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(async () => {
    await slot.open();
    const app = await createTestApp(db, { ...appOptions, env: typeof env === 'function' ? env() : env });
    current = { app, others: [] };
    if (listen) current.url = await listenOn(app);
  });
  // The apps first: the drop would end their pools' connections under them.
  tearDown(async () => {
    const ending = current;
    current = undefined;
    if (ending) await Promise.all([ending.app, ...ending.others].map((app) => app.close()));
    await slot.drop();
  });
  const live = (): NonNullable<typeof current> => {
    if (!current) throw new Error('the test app is used outside its hooks (read it inside a test or a hook)');
    return current;
  };
  const handle: TestAppHandle = {
    db,
    get superuser() {
      return db.superuser;
    },
    get app() {
      return live().app.app;
    },
    get logs() {
      return live().app.logs;
    },
    rawLogs: () => live().app.rawLogs(),
    get mailDir() {
      return live().app.mailDir;
    },
    get url() {
      const { url } = live();
      if (!url) throw new Error('useTestApp({ listen: true }) to have a url');
      return url;
    },
    close: () => live().app.close(),
    inject: (request) => live().app.app.inject(request),
    async another(more = {}) {
      const { others } = live();
      const app = await createTestApp(db, more);
      others.push(app);
      return app;
    },
    newWorkspace: (more) => newWorkspace(handle, more),
    newKey: (more) => newKey(handle, more),
    newAdmin: (role, more) => newAdmin(handle, role, more),
  };
  return handle;
}
