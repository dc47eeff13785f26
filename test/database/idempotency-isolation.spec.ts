import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

/** The idempotency keys' table under row-level security and grants, as the app role with hand-written SQL (migration 0012). */
describe('idempotency_keys in PostgreSQL (as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let a: string;
  let b: string;

  const inTransaction = <T>(settings: Record<string, string>, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  const tenant = (workspaceId: string, environment: 'live' | 'test') => ({
    'app.workspace_id': workspaceId,
    'app.environment': environment,
  });
  const PURGER = { 'app.platform': 'on', 'app.actor': 'system:idempotency-purge' };
  /** `work` fails with `pattern`, and the transaction goes on (a savepoint around it). */
  async function refused(work: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    await app.query('SAVEPOINT attempt');
    await expect(work()).rejects.toThrow(pattern);
    await app.query('ROLLBACK TO SAVEPOINT attempt');
  }
  /** An entry as the request path writes one; `expiredHoursAgo`: one made two days ago and kept a day. */
  function insertEntry(workspaceId: string, environment: 'live' | 'test', key: string, options: { expiredHoursAgo?: number } = {}) {
    const [created, expires] =
      options.expiredHoursAgo === undefined
        ? ['now()', "now() + interval '24 hours'"]
        : [`now() - make_interval(hours => ${options.expiredHoursAgo + 24})`, `now() - make_interval(hours => ${options.expiredHoursAgo})`];
    return app.query(
      `INSERT INTO idempotency_keys (workspace_id, environment, key, fingerprint, status, headers, body, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 201, '{"content-type":"application/json; charset=utf-8"}', '{"id":"1"}', 'api_key:TEST', ${created}, ${expires})`,
      [workspaceId, environment, key, randomBytes(32)],
    );
  }
  const keysSeen = async (): Promise<string[]> =>
    (
      await app.query<{ entry: string }>(
        `SELECT workspace_id || '/' || environment || '/' || key AS entry FROM idempotency_keys ORDER BY 1`,
      )
    ).rows.map((row) => row.entry);

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    await app.query('BEGIN');
    await app.query(`SELECT set_config('app.platform', 'on', true)`);
    const { rows } = await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B') RETURNING id`);
    [a, b] = rows.map((row) => row.id).sort() as [string, string];
    await app.query('COMMIT');
    for (const [workspaceId, environment, key, expiredHoursAgo] of [
      [a, 'live', 'order-1', undefined],
      [a, 'live', 'order-0', 1],
      [a, 'test', 'order-1', undefined],
      [b, 'live', 'order-1', undefined],
      [b, 'live', 'order-0', 1],
    ] as const) {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.workspace_id', $1, true), set_config('app.environment', $2, true)`, [
        workspaceId,
        environment,
      ]);
      await insertEntry(workspaceId, environment, key, { expiredHoursAgo });
      await app.query('COMMIT');
    }
  });

  it('shows a key its own workspace and environment only: another workspace’s role, or the other environment, reads nothing', async () => {
    await inTransaction(tenant(a, 'live'), async () => {
      expect(await keysSeen()).toEqual([`${a}/live/order-0`, `${a}/live/order-1`]);
      expect((await app.query(`SELECT 1 FROM idempotency_keys WHERE workspace_id = $1`, [b])).rowCount).toBe(0);
    });
    await inTransaction(tenant(a, 'test'), async () => expect(await keysSeen()).toEqual([`${a}/test/order-1`]));
    await inTransaction(tenant(b, 'live'), async () => expect(await keysSeen()).toEqual([`${b}/live/order-0`, `${b}/live/order-1`]));
    // A workspace without an environment, or nothing at all: nothing (fail closed).
    for (const settings of [{ 'app.workspace_id': a }, {}] as Record<string, string>[]) {
      await inTransaction(settings, async () => expect(await keysSeen()).toEqual([]));
    }
  });

  it('lets a key write in its own workspace and environment only', async () => {
    await inTransaction(tenant(a, 'live'), async () => {
      await refused(() => insertEntry(b, 'live', 'planted'), /row-level security/);
      await refused(() => insertEntry(a, 'test', 'planted'), /row-level security/);
      await insertEntry(a, 'live', 'order-2');
      expect(await keysSeen()).toContain(`${a}/live/order-2`);
    });
  });

  it('never changes an entry, and lets its tenant delete it only once expired', async () => {
    await inTransaction(tenant(a, 'live'), async () => {
      await refused(() => app.query(`UPDATE idempotency_keys SET status = 200`), /permission denied/);
      expect((await app.query(`DELETE FROM idempotency_keys WHERE key = 'order-1'`)).rowCount).toBe(0);
      expect((await app.query(`DELETE FROM idempotency_keys WHERE workspace_id = $1`, [b])).rowCount).toBe(0);
      expect((await app.query(`DELETE FROM idempotency_keys`)).rowCount).toBe(1);
      expect(await keysSeen()).toEqual([`${a}/live/order-1`]);
    });
  });

  it('shows an admin’s platform path nothing; the purge reads and deletes the expired entries of every workspace, and nothing more', async () => {
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'admin:00000000-0000-0000-0000-000000000000' }, async () => {
      expect(await keysSeen()).toEqual([]);
      expect((await app.query(`DELETE FROM idempotency_keys`)).rowCount).toBe(0);
    });
    await inTransaction(PURGER, async () => {
      expect(await keysSeen()).toEqual([`${a}/live/order-0`, `${b}/live/order-0`]);
      expect((await app.query(`DELETE FROM idempotency_keys`)).rowCount).toBe(2);
      await refused(() => insertEntry(a, 'live', 'planted'), /row-level security/);
    });
    // The purge's actor without the platform path: nothing.
    await inTransaction({ 'app.actor': 'system:idempotency-purge' }, async () => expect(await keysSeen()).toEqual([]));
  });

  it('holds the key’s character set, one entry per key, and a day’s keeping whatever the application sends', async () => {
    await inTransaction(tenant(a, 'live'), async () => {
      for (const key of ['', 'a b', 'a,b', 'a"b', 'a\\b', 'clé', 'x'.repeat(256)]) {
        await refused(() => insertEntry(a, 'live', key), /idempotency_keys_key_check/);
      }
      await insertEntry(a, 'live', `!#+-[]~:${'x'.repeat(247)}`);
      await refused(() => insertEntry(a, 'live', 'order-1'), /duplicate key/);
      await refused(
        () =>
          app.query(
            `INSERT INTO idempotency_keys (workspace_id, environment, key, fingerprint, status, headers, created_by, expires_at)
             VALUES ($1, 'live', 'short', $2, 201, '{}', 'x', now() + interval '23 hours')`,
            [a, randomBytes(32)],
          ),
        /idempotency_keys_kept_a_day/,
      );
    });
  });
});
