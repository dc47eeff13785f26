import { Client } from 'pg';
import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The first owner: created once, even by two instances starting together. */
describe('first owner', () => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;
  let superuser: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    [first, second] = await Promise.all([createTestApp(db), createTestApp(db)]);
    superuser = await db.connect(db.adminUrl);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await db.drop();
  });

  it('creates exactly one owner when two instances start at once, audited as the system', async () => {
    const results = await Promise.all([
      first.app.get(AdminBootstrap).createFirstOwner('owner@example.com'),
      second.app.get(AdminBootstrap).createFirstOwner('owner@example.com'),
    ]);
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    const { rows } = await superuser.query(`SELECT role, password_must_change FROM admins`);
    expect(rows).toEqual([{ role: 'owner', password_must_change: true }]);
    const audit = await superuser.query(`SELECT actor_type, actor_id FROM audit_log WHERE action = 'admin.bootstrap'`);
    expect(audit.rows).toEqual([{ actor_type: 'system', actor_id: 'first-start' }]);
    expect(await first.app.get(AdminBootstrap).createFirstOwner('another@example.com')).toBeNull();
  });
});
