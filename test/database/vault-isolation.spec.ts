import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

/** The vault's tables under row-level security and column grants, as the app role with hand-written SQL. */
describe('vault tables in PostgreSQL (as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let a: string;
  let b: string;

  const inTransaction = <T>(settings: Record<string, string>, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  /** `work` fails with `pattern`, and the transaction goes on (a savepoint around it). */
  async function refused(work: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    await app.query('SAVEPOINT attempt');
    await expect(work()).rejects.toThrow(pattern);
    await app.query('ROLLBACK TO SAVEPOINT attempt');
  }
  const liveOf = (workspaceId: string) => ({ 'app.workspace_id': workspaceId, 'app.environment': 'live' });
  /** A secret and its first version (a stand-in ciphertext: the database never sees plaintext anyway). */
  async function insertSecret(workspaceId: string, environment: 'live' | 'test', name: string): Promise<string> {
    const { rows } = await app.query<{ id: string }>(
      `INSERT INTO vault_secrets (workspace_id, environment, name, current_version, created_by) VALUES ($1, $2, $3, 1, 'api_key:TEST') RETURNING id`,
      [workspaceId, environment, name],
    );
    await app.query(
      `INSERT INTO vault_secret_versions (id, secret_id, workspace_id, environment, version, sealed_value, created_by) VALUES ($1, $2, $3, $4, 1, $5, 'api_key:TEST')`,
      [randomUUID(), rows[0]!.id, workspaceId, environment, randomBytes(64)],
    );
    return rows[0]!.id;
  }
  let secretOfA: string;

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    await app.query('BEGIN');
    await app.query(`SELECT set_config('app.platform', 'on', true)`);
    const { rows } = await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B') RETURNING id`);
    [a, b] = rows.map((row) => row.id) as [string, string];
    await app.query('COMMIT');
    for (const [workspaceId, environment, name] of [
      [a, 'live', 'a-live'],
      [a, 'test', 'a-test'],
      [b, 'live', 'b-live'],
    ] as const) {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.workspace_id', $1, true), set_config('app.environment', $2, true)`, [
        workspaceId,
        environment,
      ]);
      const id = await insertSecret(workspaceId, environment, name);
      if (name === 'a-live') secretOfA = id;
      await app.query('COMMIT');
    }
  });

  it('shows a key its own workspace and environment only, and lets it write nowhere else [V8.4.1]', async () => {
    await inTransaction(liveOf(a), async () => {
      expect((await app.query('SELECT name FROM vault_secrets')).rows).toEqual([{ name: 'a-live' }]);
      expect((await app.query('SELECT count(*)::int AS n FROM vault_secret_versions')).rows).toEqual([{ n: 1 }]);
      await refused(() => insertSecret(b, 'live', 'planted'), /row-level security/);
      await refused(() => insertSecret(a, 'test', 'planted'), /row-level security/);
      expect((await app.query(`DELETE FROM vault_secrets WHERE name IN ('b-live', 'a-test')`)).rowCount).toBe(0);
      expect((await app.query(`UPDATE vault_secrets SET current_version = 9 WHERE name = 'b-live'`)).rowCount).toBe(0);
    });
    await inTransaction({ 'app.workspace_id': a, 'app.environment': 'test' }, async () => {
      expect((await app.query('SELECT name FROM vault_secrets')).rows).toEqual([{ name: 'a-test' }]);
    });
    // A workspace without an environment, or nothing at all: nothing (fail closed).
    for (const settings of [{ 'app.workspace_id': a }, {}] as Record<string, string>[]) {
      await inTransaction(settings, async () => {
        expect((await app.query('SELECT id FROM vault_secrets')).rowCount).toBe(0);
        expect((await app.query('SELECT id FROM vault_secret_versions')).rowCount).toBe(0);
      });
    }
  });

  it('keeps a version in its secret’s workspace and environment (foreign key), whatever the settings allow', async () => {
    await inTransaction(liveOf(b), async () => {
      await expect(
        app.query(
          `INSERT INTO vault_secret_versions (id, secret_id, workspace_id, environment, version, sealed_value, created_by) VALUES ($1, $2, $3, 'live', 2, $4, 'x')`,
          [randomUUID(), secretOfA, b, randomBytes(64)],
        ),
      ).rejects.toThrow(/foreign key/);
    });
  });

  it('shows an admin’s platform path no vault at all; the rewrap reads every version and replaces ciphertexts, and nothing more', async () => {
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'admin:00000000-0000-0000-0000-000000000000' }, async () => {
      expect((await app.query('SELECT id FROM vault_secrets')).rowCount).toBe(0);
      expect((await app.query('SELECT id FROM vault_secret_versions')).rowCount).toBe(0);
      expect((await app.query(`UPDATE vault_secret_versions SET sealed_value = $1`, [randomBytes(64)])).rowCount).toBe(0);
    });
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'system:keys-rewrap' }, async () => {
      expect(Number((await app.query('SELECT count(*) FROM vault_secret_versions')).rows[0].count)).toBe(3);
      expect((await app.query('SELECT id FROM vault_secrets')).rowCount).toBe(0);
      expect(
        (await app.query(`UPDATE vault_secret_versions SET sealed_value = $1 WHERE secret_id = $2`, [randomBytes(64), secretOfA])).rowCount,
      ).toBe(1);
      expect((await app.query(`DELETE FROM vault_secret_versions`)).rowCount).toBe(0);
      expect((await app.query(`DELETE FROM vault_secrets`)).rowCount).toBe(0);
      await refused(() => insertSecret(a, 'live', 'planted'), /row-level security/);
    });
    // The rewrap's actor without the platform path: nothing.
    await inTransaction({ 'app.actor': 'system:keys-rewrap' }, async () => {
      expect((await app.query('SELECT id FROM vault_secret_versions')).rowCount).toBe(0);
    });
  });

  it('lets the workspace export read the secrets’ metadata and nothing else of the vault (migration 0020)', async () => {
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'system:workspace-export' }, async () => {
      expect(Number((await app.query('SELECT count(*) FROM vault_secrets')).rows[0].count)).toBe(3);
      expect((await app.query('SELECT id FROM vault_secret_versions')).rowCount).toBe(0);
      expect((await app.query(`UPDATE vault_secrets SET current_version = 9`)).rowCount).toBe(0);
      expect((await app.query(`UPDATE vault_secret_versions SET sealed_value = $1`, [randomBytes(64)])).rowCount).toBe(0);
      expect((await app.query(`DELETE FROM vault_secrets`)).rowCount).toBe(0);
      await refused(() => insertSecret(a, 'live', 'planted'), /row-level security/);
    });
    // The exporter's actor without the platform path, and an admin's own: nothing.
    const others: Record<string, string>[] = [
      { 'app.actor': 'system:workspace-export' },
      { 'app.platform': 'on', 'app.actor': 'admin:00000000-0000-0000-0000-000000000000' },
    ];
    for (const settings of others) {
      await inTransaction(settings, async () => {
        expect((await app.query('SELECT id FROM vault_secrets')).rowCount).toBe(0);
      });
    }
  });

  it('never lets a key replace a version’s ciphertext, even in its own vault', async () => {
    await inTransaction(liveOf(a), async () => {
      expect((await app.query(`UPDATE vault_secret_versions SET sealed_value = $1`, [randomBytes(64)])).rowCount).toBe(0);
    });
  });

  it('lets the app role change only a version’s ciphertext and a secret’s current version and description (column grants) [V13.2.2]', async () => {
    await inTransaction(liveOf(a), async () => {
      for (const statement of [
        `UPDATE vault_secret_versions SET version = 7`,
        `UPDATE vault_secret_versions SET workspace_id = '${b}'`,
        `UPDATE vault_secret_versions SET created_by = 'someone else'`,
        `UPDATE vault_secrets SET name = 'renamed'`,
        `UPDATE vault_secrets SET workspace_id = '${b}'`,
        `UPDATE vault_secrets SET created_at = now() - interval '1 year'`,
      ]) {
        await refused(() => app.query(statement), /permission denied/);
      }
      expect((await app.query(`UPDATE vault_secrets SET current_version = 2, description = 'd', updated_at = now()`)).rowCount).toBe(1);
    });
  });

  it('refuses a ciphertext too short to be one, or larger than a 32 KiB value sealed', async () => {
    await inTransaction(liveOf(a), async () => {
      for (const size of [33, 32768 + 34]) {
        await refused(
          () =>
            app.query(
              `INSERT INTO vault_secret_versions (id, secret_id, workspace_id, environment, version, sealed_value, created_by) VALUES ($1, $2, $3, 'live', 3, $4, 'x')`,
              [randomUUID(), secretOfA, a, randomBytes(size)],
            ),
          /check constraint/,
        );
      }
    });
  });
});
