import { AuditChain, AuditSealer } from '@ringfence/audit';
import { WorkspacePurge } from '../../apps/api/src/workspaces/workspace-purge';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { useTestApp } from '../support/use-test-app';

/** Soft delete now, purge after 30 days: the database decides what is due, the audit log says what went. */
describe('purge of deleted workspaces', () => {
  const t = useTestApp();
  let admin: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  /** A workspace with two keys and a vault secret in each environment, deleted through the API `daysAgo` days ago. */
  async function deletedWorkspace(daysAgo: number): Promise<TestKey> {
    const key = await t.newKey({ scopes: ['vault:write'], by: admin });
    const testKey = await t.newKey({ workspace: key.workspaceId, environment: 'test', scopes: ['vault:write'], by: admin });
    for (const { headers } of [key, testKey]) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/vault/secrets',
        headers,
        payload: { name: 'provider', value: 'a secret value' },
      });
      expect(created.statusCode).toBe(201);
    }
    // An idempotency key's entry, as an @Idempotent() route keeps one (no production route has one yet).
    await t.superuser.query(
      `INSERT INTO idempotency_keys (workspace_id, environment, key, fingerprint, status, headers, created_by, expires_at)
       VALUES ($1, 'live', 'order-1', $2, 201, '{}', 'api_key:TEST', now() + interval '1 day')`,
      [key.workspaceId, Buffer.alloc(32)],
    );
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/admin/workspaces/${key.workspaceId}`, headers: admin.headers });
    expect(deleted.statusCode).toBe(204);
    await backdate(key.workspaceId, daysAgo);
    return key;
  }

  /** Time passing: the deletion time is the database's to set, so only a superuser skipping triggers can move it. */
  async function backdate(workspaceId: string, days: number): Promise<void> {
    await t.superuser.query('BEGIN');
    await t.superuser.query(`SET LOCAL session_replication_role = replica`);
    await t.superuser.query(`UPDATE workspaces SET deleted_at = now() - make_interval(days => $2) WHERE id = $1`, [workspaceId, days]);
    await t.superuser.query('COMMIT');
  }

  const exists = async (
    table: 'workspaces' | 'api_keys' | 'vault_secrets' | 'vault_secret_versions' | 'idempotency_keys',
    column: string,
    id: string,
  ) => (await t.superuser.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [id])).rowCount! > 0;

  it('purges a workspace deleted over 30 days ago with its keys, vault and idempotency keys, audited in the same transaction, and nothing younger [V14.2.7]', async () => {
    const due = await deletedWorkspace(31);
    const recent = await deletedWorkspace(29);
    const active = await t.newKey({ by: admin });

    expect(await t.app.get(WorkspacePurge).purgeDue()).toBe(1);

    expect(await exists('workspaces', 'id', due.workspaceId)).toBe(false);
    expect(await exists('api_keys', 'workspace_id', due.workspaceId)).toBe(false);
    expect(await exists('vault_secrets', 'workspace_id', due.workspaceId)).toBe(false);
    expect(await exists('vault_secret_versions', 'workspace_id', due.workspaceId)).toBe(false);
    expect(await exists('idempotency_keys', 'workspace_id', due.workspaceId)).toBe(false);
    expect(await exists('vault_secret_versions', 'workspace_id', recent.workspaceId)).toBe(true);
    expect(await exists('idempotency_keys', 'workspace_id', recent.workspaceId)).toBe(true);
    expect(await exists('workspaces', 'id', recent.workspaceId)).toBe(true);
    expect(await exists('api_keys', 'workspace_id', recent.workspaceId)).toBe(true);
    expect(await exists('workspaces', 'id', active.workspaceId)).toBe(true);
    const audit = await t.superuser.query(
      `SELECT actor_type, actor_id, outcome, before, after FROM audit_log WHERE action = 'workspace.purge' AND target_id = $1`,
      [due.workspaceId],
    );
    expect(audit.rows).toEqual([
      {
        actor_type: 'system',
        actor_id: 'workspace-purge',
        outcome: 'success',
        before: { status: 'deleted', deletedAt: expect.any(String) },
        after: { apiKeysDestroyed: 2 },
      },
    ]);
    // The deletion's own audit row outlives the workspace.
    expect(
      (await t.superuser.query(`SELECT 1 FROM audit_log WHERE action LIKE 'workspace.%' AND target_id = $1`, [due.workspaceId])).rowCount,
    ).toBeGreaterThan(1);
    expect(await t.app.get(WorkspacePurge).purgeDue()).toBe(0);
  });

  it('lets nobody move a deletion time or bring a deleted workspace back, so nothing is purged early', async () => {
    const key = await deletedWorkspace(1);
    const app = await t.db.connect(t.db.appUrl);
    try {
      for (const change of [`deleted_at = now() - interval '40 days'`, `status = 'active'`, `deleted_at = NULL`]) {
        await app.query('BEGIN');
        await app.query(`SELECT set_config('app.platform', 'on', true)`);
        await expect(app.query(`UPDATE workspaces SET ${change} WHERE id = $1`, [key.workspaceId])).rejects.toThrow(/deleted/);
        await app.query('ROLLBACK');
      }
      // Not even a superuser moves it while triggers are on.
      await expect(
        t.superuser.query(`UPDATE workspaces SET deleted_at = now() - interval '40 days' WHERE id = $1`, [key.workspaceId]),
      ).rejects.toThrow(/deleted_at/);
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.platform', 'on', true), set_config('app.actor', 'admin:someone', true)`);
      expect(
        (await app.query('SELECT * FROM purge_deleted_workspaces(100)')).rows.map((row: { workspace_id: string }) => row.workspace_id),
      ).not.toContain(key.workspaceId);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
    expect(await exists('workspaces', 'id', key.workspaceId)).toBe(true);
  });

  it('leaves the app role no other way to delete a workspace', async () => {
    const key = await deletedWorkspace(40);
    const app = await t.db.connect(t.db.appUrl);
    try {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.platform', 'on', true)`);
      await expect(app.query('DELETE FROM workspaces WHERE id = $1', [key.workspaceId])).rejects.toThrow(/permission denied/);
      await app.query('ROLLBACK');
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.workspace_id', $1, true)`, [key.workspaceId]);
      await expect(app.query('SELECT * FROM purge_deleted_workspaces(10)')).rejects.toThrow(/platform setting/);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
    expect(await exists('workspaces', 'id', key.workspaceId)).toBe(true);
  });

  it('writes its audit rows after the vault has gone, so a purge that runs long is sealed in order: the chain still verifies', async () => {
    const due = await deletedWorkspace(31);
    const holder = await t.db.connect(t.db.adminUrl);
    let purging: Promise<number> | undefined;
    try {
      // A long purge (a large vault, a slow database): here the vault's versions are held by another transaction.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM vault_secret_versions WHERE workspace_id = $1 FOR UPDATE', [due.workspaceId]);
      purging = t.app.get(WorkspacePurge).purgeDue();
      for (let polls = 0; polls < 500; polls += 1) {
        const { rows } = await t.superuser.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND usename = 'ringfence_app' AND wait_event_type = 'Lock'`,
        );
        if (rows[0]!.waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Meanwhile the service goes on: a change audited and committed, settled and sealed
      // (its settle delay passed while the purge still ran).
      const other = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: admin.headers,
        payload: { name: 'while purging' },
      });
      expect(other.statusCode).toBe(201);
      await t.app.get(AuditSealer).sealAll(0);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await purging).toBeGreaterThanOrEqual(1);
    expect(await exists('workspaces', 'id', due.workspaceId)).toBe(false);
    await t.app.get(AuditSealer).sealAll(0);
    expect(await t.app.get(AuditChain).verify()).toMatchObject({ intact: true, firstBreak: null });
  });
});
