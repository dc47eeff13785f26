import { AuditSealer } from '@ringfence/audit';
import { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { MasterKeyRewrap } from '../../apps/api/src/master-key-rewrap/master-key-rewrap';
import { WorkspacePurge } from '../../apps/api/src/workspaces/workspace-purge';
import { TestAdmin } from '../support/admin-session';
import { newAdmin } from '../support/factories';
import { createTestApp, TestApp } from '../support/test-app';
import { useTestDatabase } from '../support/test-database';

const FOREVER = '600000';

function expectDatabaseUnavailable(response: LightMyRequestResponse): void {
  expect([response.statusCode, response.json<{ code?: string }>().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/**
 * Nothing waits on the database without bound: a lock, a statement, a connection from the
 * pool and a readiness check each have a timeout, small here and configured, never a
 * measured duration. Work that legitimately runs long gets its own allowance and is shown
 * to outlast the defaults: the database itself reports it still waiting past them.
 */
describe('database timeouts', () => {
  const db = useTestDatabase();
  let locker: Client;
  let watcher: Client;

  beforeAll(async () => {
    locker = await db.connect(db.adminUrl);
    watcher = await db.connect(db.adminUrl);
  });

  /** Runs `work` while `locker` holds `lock` (a LOCK TABLE or advisory lock statement), then lets go. */
  async function whileLocked<T>(lock: string, work: () => Promise<T>): Promise<T> {
    await locker.query('BEGIN');
    try {
      await locker.query(lock);
      return await work();
    } finally {
      await locker.query('ROLLBACK');
    }
  }

  /** Waits until at least `count` of the app's backends match `condition` in pg_stat_activity (seen by the database, not timed by the test). */
  async function untilBackends(condition: string, count = 1): Promise<void> {
    for (let polls = 0; polls < 1000; polls += 1) {
      const { rows } = await watcher.query<{ matching: number }>(
        `SELECT count(*)::int AS matching FROM pg_stat_activity
          WHERE datname = current_database() AND usename = 'ringfence_app' AND ${condition}`,
      );
      if (rows[0]!.matching >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${count} app backend(s) with ${condition}`);
  }
  /** A backend of the app has waited on a lock for longer than every default timeout of the app under test. */
  const waitingPastTheDefaults = `wait_event_type = 'Lock' AND clock_timestamp() - query_start > interval '500 milliseconds'`;

  async function app(env: Record<string, string>): Promise<{ t: TestApp; owner: TestAdmin }> {
    const t = await createTestApp(db, { env });
    return { t, owner: await newAdmin(t, 'owner') };
  }

  it('gives up waiting for a lock after DATABASE_LOCK_TIMEOUT_MS: 503, not a hang [V15.2.2 V15.4.3]', async () => {
    const { t, owner } = await app({
      DATABASE_LOCK_TIMEOUT_MS: '100',
      DATABASE_STATEMENT_TIMEOUT_MS: FOREVER,
      DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
    });
    try {
      const response = await whileLocked('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE', () =>
        t.app.inject({ method: 'GET', url: '/v1/admin/workspaces', headers: owner.headers }),
      );
      expectDatabaseUnavailable(response);
      expect(t.logs.filter((line) => /^database unavailable: lock timeout \(55P03\)/.test(String(line.msg)))).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('cancels a statement after DATABASE_STATEMENT_TIMEOUT_MS: 503, not a hang [V15.2.2]', async () => {
    const { t, owner } = await app({
      DATABASE_STATEMENT_TIMEOUT_MS: '100',
      DATABASE_LOCK_TIMEOUT_MS: FOREVER,
      DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
    });
    try {
      const response = await whileLocked('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE', () =>
        t.app.inject({ method: 'GET', url: '/v1/admin/workspaces', headers: owner.headers }),
      );
      expectDatabaseUnavailable(response);
      expect(t.logs.filter((line) => /^database unavailable: statement timeout or cancel \(57014\)/.test(String(line.msg)))).toHaveLength(
        1,
      );
    } finally {
      await t.close();
    }
  });

  it('gives up waiting for a pooled connection after DATABASE_ACQUIRE_TIMEOUT_MS while every connection is held, and readiness still answers [V15.2.2]', async () => {
    const { t, owner } = await app({
      DATABASE_POOL_SIZE: '2',
      DATABASE_ACQUIRE_TIMEOUT_MS: '100',
      DATABASE_LOCK_TIMEOUT_MS: FOREVER,
      DATABASE_STATEMENT_TIMEOUT_MS: FOREVER,
      DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
    });
    try {
      let held: Promise<LightMyRequestResponse>[] = [];
      await whileLocked('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE', async () => {
        // Two requests wait on the lock, holding the pool's two connections.
        held = [1, 2].map(() => t.app.inject({ method: 'GET', url: '/v1/admin/workspaces', headers: owner.headers }));
        await untilBackends(`wait_event_type = 'Lock'`, 2);
        expectDatabaseUnavailable(await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: owner.headers }));
        const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: expect.stringContaining('database') });
      });
      // The lock gone, the two that held the pool finish.
      for (const response of await Promise.all(held)) expect(response.statusCode).toBe(200);
      expect(t.logs.filter((line) => /^database unavailable: pool acquire timeout/.test(String(line.msg)))).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('bounds every readiness check: a migrations check held up by a lock answers not ready', async () => {
    const { t } = await app({
      DATABASE_LOCK_TIMEOUT_MS: FOREVER,
      DATABASE_STATEMENT_TIMEOUT_MS: FOREVER,
      DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
    });
    try {
      const ready = await whileLocked('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE', () =>
        t.app.inject({ method: 'GET', url: '/health/ready' }),
      );
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: 'Not ready: migrations.' });
    } finally {
      await t.close();
    }
  });

  it('keeps a flood of readiness probes to one check on the database while a slow one is still running there', async () => {
    // A database made slow: the migrations check waits on a lock for longer than a probe is answered within (1.5 s).
    const { t } = await app({
      DATABASE_LOCK_TIMEOUT_MS: FOREVER,
      DATABASE_STATEMENT_TIMEOUT_MS: FOREVER,
      DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
    });
    try {
      const most = await whileLocked('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE', async () => {
        let seen = 0;
        const probes: Promise<LightMyRequestResponse>[] = [];
        // Public and unlimited: anyone may ask every 100 ms.
        for (let round = 0; round < 40; round += 1) {
          probes.push(t.app.inject({ method: 'GET', url: '/health/ready' }));
          const { rows } = await watcher.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'ringfence_app' AND wait_event_type = 'Lock'`,
          );
          seen = Math.max(seen, rows[0]!.waiting);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const probe of await Promise.all(probes)) expect(probe.statusCode).toBe(503);
        return seen;
      });
      // Every probe was answered within its bound, and the database saw one check at a time, not one per 1.5 s.
      expect(most).toBe(1);
    } finally {
      await t.close();
    }
  });

  describe('long-running work outlasts the defaults within its allowance', () => {
    let t: TestApp;
    let owner: TestAdmin;

    beforeAll(async () => {
      // Request defaults far below the waits below; the long-running allowance far above them.
      // No cluster jobs here: the sealer and the purge are driven by the tests.
      ({ t, owner } = await app({
        RINGFENCE_ROLE: 'api',
        DATABASE_STATEMENT_TIMEOUT_MS: '150',
        DATABASE_LOCK_TIMEOUT_MS: '100',
        DATABASE_LONG_RUNNING_TIMEOUT_MS: FOREVER,
      }));
    });
    afterAll(async () => {
      await t.close();
    });

    /** Starts `work` while `lock` is held, lets go once the database shows it waiting past the defaults, and returns its outcome. */
    async function outlasting<T>(lock: string, work: () => Promise<T>): Promise<T> {
      let outcome!: Promise<T>;
      await whileLocked(lock, async () => {
        outcome = work();
        outcome.catch(() => undefined);
        await untilBackends(waitingPastTheDefaults);
      });
      return outcome;
    }

    it('GET /v1/audit/verify (and audit:verify, the same walk)', async () => {
      const response = await outlasting('LOCK TABLE audit_chain IN ACCESS EXCLUSIVE MODE', () =>
        t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: owner.headers }),
      );
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ intact: true });
    });

    it('the audit export stream', async () => {
      const { rows } = await watcher.query<{ partition: string }>(
        `SELECT inhrelid::regclass::text AS partition FROM pg_inherits WHERE inhparent = 'audit_log'::regclass ORDER BY 1 DESC LIMIT 1`,
      );
      const response = await outlasting(`LOCK TABLE ${rows[0]!.partition} IN ACCESS EXCLUSIVE MODE`, () =>
        t.app.inject({ method: 'GET', url: '/v1/audit/events/export', headers: owner.headers }),
      );
      expect(response.statusCode).toBe(200);
      expect(
        response.body
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { action: string }).action),
      ).toContain('audit.export');
    });

    it('the audit sealer', async () => {
      await expect(
        outlasting('SELECT pg_advisory_xact_lock(7243120573915510017)', () => t.app.get(AuditSealer).sealAll(0)),
      ).resolves.toBeGreaterThan(0);
    });

    it('keys:rewrap (its counts and batches)', async () => {
      const counts = await outlasting('LOCK TABLE mail_outbox IN ACCESS EXCLUSIVE MODE', () => t.app.get(MasterKeyRewrap).counts());
      expect(counts.some((count) => count.column === 'admins.totp_secret')).toBe(true);
    });

    it('the purge of deleted workspaces', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: owner.headers,
        payload: { name: 'to purge' },
      });
      const { id } = created.json<{ id: string }>();
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/admin/workspaces/${id}`, headers: owner.headers })).statusCode).toBe(204);
      // 31 days pass: the deletion time is the database's, so only a superuser skipping triggers moves it.
      await watcher.query('BEGIN');
      await watcher.query('SET LOCAL session_replication_role = replica');
      await watcher.query(`UPDATE workspaces SET deleted_at = now() - interval '31 days' WHERE id = $1`, [id]);
      await watcher.query('COMMIT');
      await expect(outlasting('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE', () => t.app.get(WorkspacePurge).purgeDue())).resolves.toBe(1);
    });
  });
});
