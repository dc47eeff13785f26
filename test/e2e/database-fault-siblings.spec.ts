import { AuditSealer } from '@ringfence/audit';
import { Client } from 'pg';
import { PasswordResets } from '../../apps/api/src/admin-identity/password-reset/password-resets';
import { ApiKeyUsage } from '../../apps/api/src/workspaces/api-keys/api-key-usage';
import { WorkspaceOrigins } from '../../apps/api/src/workspaces/workspace-origins';
import { WorkspacePurge } from '../../apps/api/src/workspaces/workspace-purge';
import { createAdmin } from '../support/admin-session';
import { createApiKey } from '../support/api-key';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** What else meets a database fault: evidence written after a rollback, and the background jobs. */
describe('database faults beyond the request’s own transaction', () => {
  let db: TestDatabase;
  let superuser: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    superuser = await db.connect(db.adminUrl);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('answers 503, not 500, when a refusal’s security event cannot be written after its transaction rolled back', async () => {
    const t = await createTestApp(db, { env: { DATABASE_LOCK_TIMEOUT_MS: '100' } });
    try {
      const owner = await createAdmin(t, 'owner');
      await superuser.query('BEGIN');
      try {
        // Audit rows cannot be inserted (reads go on): the step-up's wrong code is refused, its
        // transaction rolls back, and the event it recorded waits on the lock and gives up.
        await superuser.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
        const refused = await t.app.inject({ method: 'POST', url: '/v1/auth/step-up', headers: owner.headers, payload: { code: '000000' } });
        expect(refused.statusCode).toBe(503);
        expect(refused.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await superuser.query('ROLLBACK');
      }
      expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('keeps the background jobs quiet through an outage (it is logged once, not once per run) and loses no work', async () => {
    const proxy = await TcpProxy.start(db.appUrl);
    // No timers: the test runs each job's turn itself.
    const t = await createTestApp({ ...db, appUrl: proxy.through(db.appUrl) }, { env: { RINGFENCE_ROLE: 'api' } });
    try {
      const owner = await createAdmin(t, 'owner');
      const key = await createApiKey(t, owner);
      await proxy.cut();
      t.app.get(ApiKeyUsage).touch(key.id);
      const turns = async (): Promise<void> => {
        await t.app.get(AuditSealer).sealQuietly();
        await t.app.get(AuditSealer).partitionsQuietly();
        await t.app.get(AuditSealer).retireQuietly();
        t.app.get(PasswordResets).kick();
        await t.app.get(PasswordResets).drain().catch(() => undefined); // waits for the pass kicked off
        await t.app.get(ApiKeyUsage).flushQuietly();
        await t.app.get(WorkspaceOrigins).reloadQuietly();
        await t.app.get(WorkspacePurge).purgeQuietly();
      };
      for (let turn = 0; turn < 3; turn += 1) await turns();

      const errors = t.logs.filter((line) => (line.level as number) >= 50);
      expect(errors).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^database unavailable: /) })]);

      await proxy.restore();
      await turns();
      expect(t.logs.filter((line) => (line.level as number) >= 50)).toHaveLength(1);
      // The key used during the outage is recorded once the database is back.
      const { rows } = await superuser.query<{ used: boolean }>('SELECT last_used_at IS NOT NULL AS used FROM api_keys WHERE key_id = $1', [key.id]);
      expect(rows).toEqual([{ used: true }]);
    } finally {
      await proxy.restore();
      await t.close();
      await proxy.close();
    }
  });
});
