import { Client } from 'pg';
import { assertUnprivilegedAppRole } from '../../apps/api/src/database/app-role.check';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

/** Row-level security, tested below the application: the app role with hand-written SQL. */
describe('tenant isolation in PostgreSQL (as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let a: string;
  let b: string;

  async function asWorkspace<T>(workspaceId: string | null, work: () => Promise<T>, platform = false): Promise<T> {
    await app.query('BEGIN');
    try {
      await app.query(`SELECT set_config('app.workspace_id', $1, true), set_config('app.platform', $2, true)`, [
        workspaceId ?? '',
        platform ? 'on' : 'off',
      ]);
      return await work();
    } finally {
      await app.query('ROLLBACK');
    }
  }

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    await app.query('BEGIN');
    await app.query(`SELECT set_config('app.platform', 'on', true)`);
    const inserted = await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B') RETURNING id`);
    await app.query('COMMIT');
    [a, b] = inserted.rows.map((row) => row.id) as [string, string];
  });
  it('sees only its own workspace, even when it asks for another by id [V8.2.2 V8.4.1 API1:2023]', async () => {
    await asWorkspace(a, async () => {
      expect((await app.query('SELECT id FROM workspaces')).rows).toEqual([{ id: a }]);
      expect((await app.query('SELECT id FROM workspaces WHERE id = $1', [b])).rowCount).toBe(0);
      expect((await app.query(`UPDATE workspaces SET name = 'pwned' WHERE id = $1`, [b])).rowCount).toBe(0);
      // Deleting is not the app role's at all (only the 30-day purge function deletes).
      await app.query('SAVEPOINT attempt');
      await expect(app.query('DELETE FROM workspaces WHERE id = $1', [b])).rejects.toThrow(/permission denied/);
      await app.query('ROLLBACK TO SAVEPOINT attempt');
    });
    const untouched = await asWorkspace(null, () => app.query('SELECT name FROM workspaces WHERE id = $1', [b]), true);
    expect(untouched.rows).toEqual([{ name: 'B' }]);
  });

  it('sees nothing at all with no workspace set [V8.4.1]', async () => {
    expect((await app.query('SELECT id FROM workspaces')).rowCount).toBe(0);
    await asWorkspace(null, async () => {
      expect((await app.query('SELECT id FROM workspaces')).rowCount).toBe(0);
      expect((await app.query('SELECT id FROM audit_log')).rowCount).toBe(0);
    });
  });

  it('cannot write audit rows for another workspace [V8.4.1]', async () => {
    await asWorkspace(a, async () => {
      await expect(
        app.query(`INSERT INTO audit_log (workspace_id, actor_type, action, outcome) VALUES ($1, 'api_key', 'probe.write', 'success')`, [
          b,
        ]),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('can only append to the audit log: no UPDATE, DELETE or TRUNCATE [V13.2.2]', async () => {
    await asWorkspace(a, async () => {
      await app.query(
        `INSERT INTO audit_log (workspace_id, actor_type, action, outcome) VALUES ($1, 'api_key', 'probe.write', 'success')`,
        [a],
      );
    });
    for (const statement of ['UPDATE audit_log SET outcome = $1', 'DELETE FROM audit_log WHERE outcome = $1', 'TRUNCATE audit_log']) {
      await asWorkspace(a, async () => {
        const params = statement.includes('$1') ? ['failure'] : [];
        await expect(app.query(statement, params)).rejects.toThrow(/permission denied/);
      });
    }
  });

  it('refuses history rewrites even by a superuser (trigger), and hides rows from the owner (forced RLS)', async () => {
    const superuser = await db.connect(db.adminUrl);
    await superuser.query(`INSERT INTO audit_log (actor_type, action, outcome) VALUES ('system', 'probe.write', 'success')`);
    await expect(superuser.query(`UPDATE audit_log SET outcome = 'failure'`)).rejects.toThrow(/append-only/);
    await expect(superuser.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(superuser.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    const owner = await db.connect(db.ownerUrl);
    expect((await owner.query(`UPDATE audit_log SET outcome = 'failure'`)).rowCount).toBe(0);
  });

  it('the app role owns nothing and cannot bypass row-level security [V8.4.1 V13.2.2]', async () => {
    const { rows } = await app.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>(
      `SELECT rolsuper, rolbypassrls, (SELECT count(*)::int FROM pg_tables WHERE tableowner = current_user) AS owned FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: 0 }]);
    await expect(app.query('ALTER TABLE workspaces DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/must be owner/);
    await expect(app.query('SET row_security = off; SELECT id FROM workspaces')).rejects.toThrow(/row-level security/);
  });

  it('every table but the migration ledger has row-level security forced [V8.4.1]', async () => {
    const { rows } = await app.query<{ relname: string; forced: boolean }>(
      `SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity AS forced FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    expect(rows.filter((row) => row.relname !== 'schema_migrations').every((row) => row.forced)).toBe(true);
    expect(rows.length).toBeGreaterThan(1);
  });

  it('the app refuses to serve through a connection that could bypass RLS [V8.4.1 V13.2.2]', async () => {
    const asOwner = new DataSource({ type: 'postgres', url: db.ownerUrl });
    const asApp = new DataSource({ type: 'postgres', url: db.appUrl });
    await Promise.all([asOwner.initialize(), asApp.initialize()]);
    try {
      await expect(assertUnprivilegedAppRole(asOwner)).rejects.toThrow(/can bypass row-level security/);
      await expect(assertUnprivilegedAppRole(asApp)).resolves.toBeUndefined();
    } finally {
      await Promise.all([asOwner.destroy(), asApp.destroy()]);
    }
  });

  it('hides every admin identity table from a transaction acting for a workspace', async () => {
    await app.query(`INSERT INTO admins (email, role, password_hash) VALUES ('rls@example.com', 'owner', 'x')`);
    expect((await app.query('SELECT id FROM admins')).rowCount).toBe(1);
    for (const table of [
      'admins',
      'admin_sessions',
      'admin_refresh_tokens',
      'admin_mfa_challenges',
      'admin_recovery_codes',
      'admin_password_resets',
      'mail_outbox',
    ]) {
      await asWorkspace(a, async () => {
        expect({ table, rows: (await app.query(`SELECT * FROM ${table}`)).rowCount }).toEqual({ table, rows: 0 });
      });
    }
    await asWorkspace(a, async () => {
      expect((await app.query(`UPDATE admins SET role = 'auditor'`)).rowCount).toBe(0);
      await expect(app.query(`INSERT INTO admins (email, role, password_hash) VALUES ('evil@example.com', 'owner', 'x')`)).rejects.toThrow(
        /row-level security/,
      );
    });
    expect((await app.query(`SELECT role FROM admins WHERE email = 'rls@example.com'`)).rows).toEqual([{ role: 'owner' }]);
  });
});
