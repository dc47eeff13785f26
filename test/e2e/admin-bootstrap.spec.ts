import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/** The first owner: created once, even by two instances starting together. */
describe('first owner', () => {
  const first = useTestApp();
  let second: TestApp;

  beforeAll(async () => {
    second = await first.another();
  });

  it('creates exactly one owner when two instances start at once, audited as the system [V6.3.2]', async () => {
    const results = await Promise.all([
      first.app.get(AdminBootstrap).createFirstOwner('owner@example.com'),
      second.app.get(AdminBootstrap).createFirstOwner('owner@example.com'),
    ]);
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    const { rows } = await first.superuser.query(`SELECT role, password_must_change FROM admins`);
    expect(rows).toEqual([{ role: 'owner', password_must_change: true }]);
    const audit = await first.superuser.query(`SELECT actor_type, actor_id FROM audit_log WHERE action = 'admin.bootstrap'`);
    expect(audit.rows).toEqual([{ actor_type: 'system', actor_id: 'first-start' }]);
    expect(await first.app.get(AdminBootstrap).createFirstOwner('another@example.com')).toBeNull();
  });
});
