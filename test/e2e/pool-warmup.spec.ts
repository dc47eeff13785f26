import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The pool is opened whole at boot and kept: no connection is opened (SCRAM and all) under load. */
describe('the database pool', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp(db, { env: { DATABASE_POOL_SIZE: '4' } });
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('holds every connection from boot on, before any request', async () => {
    const superuser = await db.connect(db.adminUrl);
    const { rows } = await superuser.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ringfence-api'`, [db.name]);
    expect(rows).toEqual([{ n: 4 }]);
  });
});
