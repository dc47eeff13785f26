import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

/** API keys under row-level security, as the app role with hand-written SQL. */
describe('API keys in PostgreSQL (as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let a: string;
  let b: string;

  const inTransaction = <T>(settings: Record<string, string>, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  const insertKey = (workspaceId: string, keyId: string, environment: 'live' | 'test' = 'live') =>
    app.query(
      `INSERT INTO api_keys (workspace_id, key_id, environment, name, scopes, secret_hash, pepper_version, created_by)
       VALUES ($1, $2, $4, 'k', ARRAY['vault:read'], $3, 1, 'admin:test')`,
      [workspaceId, keyId, randomBytes(32), environment],
    );

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    await app.query('BEGIN');
    await app.query(`SELECT set_config('app.platform', 'on', true)`);
    const { rows } = await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B') RETURNING id`);
    [a, b] = rows.map((row) => row.id) as [string, string];
    await insertKey(a, 'AAAAAAAA');
    await insertKey(b, 'BBBBBBBB');
    await insertKey(a, 'TTTTTTTT', 'test');
    await app.query('COMMIT');
  });
  it('shows a workspace its own keys only, and lets it write no other workspace’s [V8.4.1]', async () => {
    await inTransaction({ 'app.workspace_id': a, 'app.environment': 'live' }, async () => {
      expect((await app.query('SELECT key_id FROM api_keys')).rows).toEqual([{ key_id: 'AAAAAAAA' }]);
      expect((await app.query(`UPDATE api_keys SET revoked_at = now() WHERE key_id = 'BBBBBBBB'`)).rowCount).toBe(0);
      await expect(insertKey(b, 'CCCCCCCC')).rejects.toThrow(/row-level security/);
    });
  });

  it('shows a key its own environment only: test never sees live, live never test, neither writes the other', async () => {
    await inTransaction({ 'app.workspace_id': a, 'app.environment': 'test' }, async () => {
      expect((await app.query('SELECT key_id FROM api_keys')).rows).toEqual([{ key_id: 'TTTTTTTT' }]);
      expect((await app.query(`UPDATE api_keys SET revoked_at = now() WHERE key_id = 'AAAAAAAA'`)).rowCount).toBe(0);
      await expect(insertKey(a, 'LLLLLLLL', 'live')).rejects.toThrow(/row-level security/);
    });
    await inTransaction({ 'app.workspace_id': a, 'app.environment': 'live' }, async () => {
      expect((await app.query(`UPDATE api_keys SET revoked_at = now() WHERE key_id = 'TTTTTTTT'`)).rowCount).toBe(0);
    });
    // A workspace set without an environment sees no key at all: fail closed.
    await inTransaction({ 'app.workspace_id': a }, async () => {
      expect((await app.query('SELECT key_id FROM api_keys')).rowCount).toBe(0);
    });
  });

  it('lets an authentication look-up read exactly the presented key and its workspace, and write nothing', async () => {
    await inTransaction({ 'app.api_key_lookup': 'BBBBBBBB' }, async () => {
      expect((await app.query('SELECT key_id, workspace_id FROM api_keys')).rows).toEqual([{ key_id: 'BBBBBBBB', workspace_id: b }]);
      expect((await app.query('SELECT id FROM workspaces')).rows).toEqual([{ id: b }]);
      expect((await app.query(`UPDATE api_keys SET scopes = '{}' WHERE key_id = 'BBBBBBBB'`)).rowCount).toBe(0);
      expect((await app.query(`UPDATE workspaces SET status = 'active'`)).rowCount).toBe(0);
    });
    await inTransaction({ 'app.api_key_lookup': 'ZZZZZZZZ' }, async () => {
      expect((await app.query('SELECT key_id FROM api_keys')).rowCount).toBe(0);
      expect((await app.query('SELECT id FROM workspaces')).rowCount).toBe(0);
    });
  });

  it('shows nothing with no setting at all, and everything only on the platform path', async () => {
    await inTransaction({}, async () => expect((await app.query('SELECT key_id FROM api_keys')).rowCount).toBe(0));
    await inTransaction({ 'app.platform': 'on' }, async () => expect((await app.query('SELECT key_id FROM api_keys')).rowCount).toBe(3));
  });

  it('refuses a malformed key id and any hard delete', async () => {
    await inTransaction({ 'app.platform': 'on' }, async () => {
      await app.query('SAVEPOINT s');
      await expect(insertKey(a, 'not-an-id')).rejects.toThrow(/check constraint/);
      await app.query('ROLLBACK TO SAVEPOINT s');
      await expect(app.query(`DELETE FROM api_keys WHERE key_id = 'AAAAAAAA'`)).rejects.toThrow(/permission denied/);
    });
  });
});
