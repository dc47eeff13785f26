import { createAdmin } from '../support/admin-session';
import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('admin login', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('sets an admin up through the real routes and signs in with password and TOTP', async () => {
    const owner = await createAdmin(t, 'owner');
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: owner.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: owner.id, role: 'owner', stage: 'full', setupRequired: [] });
    const second = await owner.signIn();
    expect(second.stage).toBe('full');
    expect(second.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
