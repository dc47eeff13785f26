import { createTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

describe('readiness', () => {
  it('is not ready while migrations are pending, and says which check failed', async () => {
    const db = await createTestDatabase({ empty: true });
    const t = await createTestApp(db);
    try {
      const live = await t.app.inject({ method: 'GET', url: '/health/live' });
      expect(live.statusCode).toBe(200);
      const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: 'Not ready: migrations.' });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
