import { Client } from 'pg';
import { useTestDatabase } from '../support/test-database';

interface Verdict {
  checked: string;
  head_seq: string;
  break_seq: string | null;
  break_audit_id: string | null;
  problem: string | null;
}

/** The audit log's append-only rules and its hash chain, in PostgreSQL itself. */
describe('audit log: append-only and hash-chained', () => {
  const db = useTestDatabase({ each: true });
  let app: Client;

  beforeEach(async () => {
    app = await db.connect(db.appUrl);
  });

  async function asPlatform<T>(client: Client, work: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('app.platform', 'on', true), set_config('app.actor', 'system:spec', true)`);
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }

  const append = (client: Client, count: number, action = 'spec.event') =>
    asPlatform(client, () =>
      client.query(
        `INSERT INTO audit_log (actor_type, actor_id, action, outcome, after) SELECT 'system', 'spec', $1, 'success', jsonb_build_object('n', n) FROM generate_series(1, $2) n`,
        [action, count],
      ),
    );
  const seal = () =>
    asPlatform(app, async () => (await app.query<{ sealed: number }>(`SELECT * FROM audit_seal(100000, '0 seconds')`)).rows[0]!);
  const verify = () => asPlatform(app, async () => (await app.query<Verdict>('SELECT * FROM audit_verify(0)')).rows[0]!);
  const ids = async () => (await db.superuser.query<{ id: string }>('SELECT id FROM audit_log ORDER BY id')).rows.map((row) => row.id);
  /** A superuser acting with triggers off: what an attacker with the server would do. */
  const tamper = async (sql: string, values: unknown[] = []) => {
    await db.superuser.query('BEGIN');
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    await db.superuser.query(sql, values);
    await db.superuser.query('COMMIT');
  };

  it('refuses UPDATE, DELETE and TRUNCATE to the app role and to a superuser, on the table, its partitions and the chain [V16.4.2]', async () => {
    await append(app, 3);
    await seal();
    const [partition] = (
      await db.superuser.query<{ name: string }>(
        `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'audit_log'::regclass LIMIT 1`,
      )
    ).rows;
    for (const client of [app, db.superuser]) {
      for (const sql of [
        `UPDATE audit_log SET action = 'spec.forged'`,
        'DELETE FROM audit_log',
        'TRUNCATE audit_log',
        `TRUNCATE ${partition!.name}`,
        `UPDATE audit_chain SET seq = seq + 1`,
        'DELETE FROM audit_chain',
        'TRUNCATE audit_chain',
      ]) {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.platform', 'on', true)`);
        await expect(client.query(sql)).rejects.toThrow(/append-only|permission denied/);
        await client.query('ROLLBACK');
      }
    }
    expect(await ids()).toHaveLength(3);
  });

  it('leaves the id and the time to the database: the app role can set neither [V16.2.1]', async () => {
    await append(app, 1);
    await seal();
    const [sealedId] = await ids();
    for (const sql of [
      `INSERT INTO audit_log (id, actor_type, action, outcome) VALUES (${sealedId}, 'system', 'spec.forged', 'success')`,
      `INSERT INTO audit_log (occurred_at, actor_type, action, outcome) VALUES (now() + interval '20 days', 'system', 'spec.forged', 'success')`,
    ]) {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.platform', 'on', true)`);
      await expect(app.query(sql)).rejects.toThrow(/permission denied/);
      await app.query('ROLLBACK');
    }
    await app.query('BEGIN');
    await expect(app.query(`SELECT audit_ensure_partitions('2020-01-01', 1)`)).rejects.toThrow(/platform setting/);
    await app.query('ROLLBACK');
    await app.query('BEGIN');
    await app.query(`SELECT set_config('app.platform', 'on', true)`);
    await expect(app.query(`SELECT audit_ensure_partitions(now()::date, 600)`)).rejects.toThrow(/at most 12 months ahead/);
    await app.query('ROLLBACK');
  });

  it('finds a row that reuses a sealed id with another time', async () => {
    await append(app, 2);
    await seal();
    const [first] = await ids();
    await tamper(
      `INSERT INTO audit_log (id, occurred_at, actor_type, action, outcome) VALUES ($1, now() - interval '1 hour', 'system', 'spec.forged', 'success')`,
      [first],
    );
    expect(await verify()).toMatchObject({ break_audit_id: first, problem: 'row inserted out of order' });
  });

  it('seals rows in id order into a gap-free chain that verifies', async () => {
    await append(app, 5);
    expect((await seal()).sealed).toBe(5);
    await append(app, 2);
    expect((await seal()).sealed).toBe(2);
    expect(await verify()).toEqual({ checked: '7', head_seq: '7', break_seq: null, break_audit_id: null, problem: null });
    const links = (await db.superuser.query<{ seq: string; audit_id: string }>('SELECT seq, audit_id FROM audit_chain ORDER BY seq')).rows;
    expect(links.map((link) => link.seq)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(links.map((link) => link.audit_id)).toEqual(await ids());
  });

  it('leaves rows younger than the settle delay for the next run', async () => {
    await append(app, 2);
    expect(
      (await asPlatform(app, async () => (await app.query<{ sealed: number }>(`SELECT * FROM audit_seal(100, '1 hour')`)).rows[0]!)).sealed,
    ).toBe(0);
  });

  it('seals only a settled prefix: an older-dated row with a higher id waits behind a young one', async () => {
    await append(app, 1); // young: written now
    await db.superuser.query(
      `INSERT INTO audit_log (occurred_at, actor_type, action, outcome) VALUES (now() - interval '1 day', 'system', 'spec.backdated', 'success')`,
    );
    const sealedFirst = await asPlatform(
      app,
      async () => (await app.query<{ sealed: number }>(`SELECT * FROM audit_seal(100, '1 hour')`)).rows[0]!,
    );
    expect(sealedFirst.sealed).toBe(0);
    expect((await seal()).sealed).toBe(2);
    expect(await verify()).toMatchObject({ checked: '2', problem: null });
  });

  it('keeps concurrent writers apart: parallel inserts on many connections make one verifiable chain', async () => {
    const writers = await Promise.all(Array.from({ length: 6 }, () => db.connect(db.appUrl)));
    try {
      await Promise.all(
        writers.map(async (writer) => {
          for (let batch = 0; batch < 2; batch += 1) await append(writer, 20);
        }),
      );
    } finally {
      await Promise.all(writers.map((writer) => writer.end()));
    }
    expect((await seal()).sealed).toBe(240);
    expect(await verify()).toMatchObject({ checked: '240', break_seq: null, problem: null });
  });

  it('finds a changed row, with its id [V16.4.2]', async () => {
    await append(app, 4);
    await seal();
    const target = (await ids())[2]!;
    await tamper(`UPDATE audit_log SET after = '{"n": 99}' WHERE id = $1`, [target]);
    expect(await verify()).toMatchObject({ break_seq: '3', break_audit_id: target, problem: 'row changed' });
  });

  it('covers the client request id: set, changed or cleared, the row no longer verifies', async () => {
    await asPlatform(app, () =>
      app.query(
        `INSERT INTO audit_log (actor_type, actor_id, action, outcome, request_id, client_request_id) VALUES ('system', 'spec', 'spec.event', 'success', 'srv-1', 'client-1'), ('system', 'spec', 'spec.event', 'success', 'srv-2', NULL)`,
      ),
    );
    await seal();
    expect(await verify()).toMatchObject({ checked: '2', problem: null });
    const [withId, withoutId] = await ids();
    await tamper(`UPDATE audit_log SET client_request_id = 'client-forged' WHERE id = $1`, [withId]);
    expect(await verify()).toMatchObject({ break_audit_id: withId, problem: 'row changed' });
    await tamper(`UPDATE audit_log SET client_request_id = 'client-1' WHERE id = $1`, [withId]);
    await tamper(`UPDATE audit_log SET client_request_id = 'client-added' WHERE id = $1`, [withoutId]);
    expect(await verify()).toMatchObject({ break_audit_id: withoutId, problem: 'row changed' });
  });

  it('finds a deleted row, with its id', async () => {
    await append(app, 4);
    await seal();
    const target = (await ids())[1]!;
    await tamper('DELETE FROM audit_log WHERE id = $1', [target]);
    expect(await verify()).toMatchObject({ break_seq: '2', break_audit_id: target, problem: 'row deleted' });
  });

  it('finds a row inserted behind the sealed head, with its id', async () => {
    await append(app, 4);
    await seal();
    // Ids start at 1: a row with id 0 can only have been slipped in behind the head.
    await tamper(`INSERT INTO audit_log (id, actor_type, action, outcome) VALUES (0, 'system', 'spec.forged', 'success')`);
    expect(await verify()).toMatchObject({ break_seq: null, break_audit_id: '0', problem: 'row inserted out of order' });
  });

  it('finds an altered or removed chain link', async () => {
    await append(app, 3);
    await seal();
    await tamper(`UPDATE audit_chain SET chain_hash = sha256('forged') WHERE seq = 2`);
    expect(await verify()).toMatchObject({ break_seq: '2', problem: 'chain link altered' });
    await tamper('DELETE FROM audit_chain WHERE seq = 2');
    expect(await verify()).toMatchObject({ break_seq: '2', problem: 'chain link missing' });
  });

  it('lets nobody but the platform path seal or verify', async () => {
    await app.query('BEGIN');
    await expect(app.query(`SELECT * FROM audit_seal(10, '0 seconds')`)).rejects.toThrow(/platform setting/);
    await app.query('ROLLBACK');
    await app.query('BEGIN');
    await expect(app.query('SELECT * FROM audit_verify(0)')).rejects.toThrow(/platform setting/);
    await app.query('ROLLBACK');
  });
});
