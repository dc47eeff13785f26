import { JobRegistry } from '@ringfence/tenancy';
import { ApiKeyUsage } from '../../apps/api/src/workspaces/api-keys/api-key-usage';
import { newAdmin, newKey } from '../support/factories';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp } from '../support/test-app';
import { useTestDatabase } from '../support/test-database';

/** What else meets a database fault: evidence written after a rollback, and the background jobs. */
describe('database faults beyond the request’s own transaction', () => {
  const db = useTestDatabase();

  it('answers 503, not 500, when a refusal’s security event cannot be written after its transaction rolled back', async () => {
    const t = await createTestApp(db, { env: { DATABASE_LOCK_TIMEOUT_MS: '100' } });
    try {
      const owner = await newAdmin(t, 'owner');
      await db.superuser.query('BEGIN');
      try {
        // Audit rows cannot be inserted (reads go on): the step-up's wrong code is refused, its
        // transaction rolls back, and the event it recorded waits on the lock and gives up.
        await db.superuser.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
        const refused = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/step-up',
          headers: owner.headers,
          payload: { code: '000000' },
        });
        expect(refused.statusCode).toBe(503);
        expect(refused.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await db.superuser.query('ROLLBACK');
      }
      expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('keeps the background jobs quiet through an outage (it is logged once, not once per run) and loses no work', async () => {
    const proxy = await TcpProxy.start(db.appUrl);
    // No cluster job on its schedule: the test runs every job's turn itself.
    const t = await createTestApp({ ...db, appUrl: proxy.through(db.appUrl) }, { env: { RINGFENCE_ROLE: 'api' } });
    try {
      const key = await newKey(t);
      await proxy.cut();
      t.app.get(ApiKeyUsage).touch(key.id);
      const jobs = t.app.get(JobRegistry);
      const names = jobs.status().map((job) => job.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'audit-seal',
          'audit-partitions',
          'audit-retention',
          'mail-worker',
          'api-key-usage',
          'workspace-origins',
          'workspace-purge',
        ]),
      );
      const turns = async (): Promise<void> => {
        for (const name of names) await jobs.runNow(name);
      };
      for (let turn = 0; turn < 3; turn += 1) await turns();

      const errors = t.logs.filter((line) => (line.level as number) >= 50);
      expect(errors).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^database unavailable: /) })]);
      // Quiet in the log, not hidden: each database job's failures are counted for readiness.
      const failing = jobs.status().filter((job) => job.lastError?.code === 'DATABASE_UNAVAILABLE' && job.consecutiveFailures >= 3);
      expect(failing.map((job) => job.name)).toEqual(
        expect.arrayContaining(['audit-seal', 'mail-worker', 'api-key-usage', 'workspace-purge']),
      );

      await proxy.restore();
      await turns();
      expect(t.logs.filter((line) => (line.level as number) >= 50)).toHaveLength(1);
      // The key used during the outage is recorded once the database is back.
      const { rows } = await db.superuser.query<{ used: boolean }>(
        'SELECT last_used_at IS NOT NULL AS used FROM api_keys WHERE key_id = $1',
        [key.id],
      );
      expect(rows).toEqual([{ used: true }]);
    } finally {
      await proxy.restore();
      await t.close();
      await proxy.close();
    }
  });
});
