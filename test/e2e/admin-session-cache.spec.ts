import { TestAdmin } from '../support/admin-session';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/**
 * With the session-state cache on (the production default): a change made on this
 * instance applies at once; one made on another instance within the cache's life.
 */
describe('admin session-state cache across instances', () => {
  const first = useTestApp({ env: { ADMIN_SESSION_CACHE_MS: '1000' } });
  let second: TestApp;
  let owner: TestAdmin;

  beforeAll(async () => {
    second = await first.another({ env: { ADMIN_SESSION_CACHE_MS: '1000' } });
    owner = await first.newAdmin('owner');
  });

  const me = (t: TestApp, admin: TestAdmin) => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers });

  it('ends a session at once on the instance that ended it, and within a second on the others [V7.4.1]', async () => {
    const admin = await first.newAdmin('admin');
    expect((await me(first, admin)).statusCode).toBe(200);
    expect((await me(second, admin)).statusCode).toBe(200); // now cached on the second instance too
    expect((await first.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: admin.headers })).statusCode).toBe(204);
    expect((await me(first, admin)).statusCode).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await me(second, admin)).statusCode).toBe(401);
  });

  it('applies a disable or a role change made on this instance at once [V7.4.2]', async () => {
    const admin = await first.newAdmin('admin');
    expect((await me(first, admin)).json()).toMatchObject({ role: 'admin' });
    const demote = await first.app.inject({
      method: 'PATCH',
      url: `/v1/admin/admins/${admin.id}`,
      headers: owner.headers,
      payload: { role: 'auditor' },
    });
    expect(demote.statusCode).toBe(200);
    expect((await me(first, admin)).json()).toMatchObject({ role: 'auditor' });
    const owners = await first.app.inject({ method: 'GET', url: '/v1/admin/admins', headers: admin.headers });
    expect(owners.statusCode).toBe(403);
    await first.app.inject({
      method: 'PATCH',
      url: `/v1/admin/admins/${admin.id}`,
      headers: owner.headers,
      payload: { status: 'disabled' },
    });
    expect((await me(first, admin)).statusCode).toBe(401);
  });
});
