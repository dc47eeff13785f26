import { Logger } from '@nestjs/common';
import { DatabaseFaults, databaseFaultOf, DatabaseProblems, OUTAGE_QUIET_MS } from '@ringfence/tenancy';
import { Client, Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { TcpProxy } from '../support/tcp-proxy';
import { useTestDatabase } from '../support/test-database';

/** The classification reads errors as the real driver and server produce them, never hand-made ones. */
describe('database faults, as PostgreSQL and node-postgres raise them', () => {
  const db = useTestDatabase();
  let source: DataSource;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    source = await db.dataSource(db.appUrl);
  });

  async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
    try {
      await work();
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  }

  const raised = (sqlstate: string) =>
    failureOf(() => source.query(`DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '${sqlstate}'; END $$`));

  it('reads serialization failures and deadlocks as conflicts', async () => {
    expect(databaseFaultOf(await raised('40001'))).toMatchObject({ kind: 'conflict' });
    expect(databaseFaultOf(await raised('40P01'))).toMatchObject({ kind: 'conflict' });
  });

  it('reads shutdown, connection, resource and idle-timeout states as unavailable', async () => {
    for (const sqlstate of [
      '57P01',
      '57P02',
      '57P03',
      '57P04',
      '08006',
      '08001',
      '53300',
      '53200',
      '25P03',
      '25006',
      '28P01',
      '28000',
      '58030',
      '3D000',
    ]) {
      expect([sqlstate, databaseFaultOf(await raised(sqlstate))?.kind]).toEqual([sqlstate, 'unavailable']);
    }
  });

  it('reads a read-only database and a login the server refuses as unavailable, as they really arrive', async () => {
    await db.superuser.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const readOnly = await new DataSource({ type: 'postgres', url: db.appUrl }).initialize();
    try {
      expect(databaseFaultOf(await failureOf(() => readOnly.query(`INSERT INTO workspaces (name) VALUES ('x')`)))).toMatchObject({
        kind: 'unavailable',
      });
    } finally {
      await readOnly.destroy();
      await db.superuser.query(`ALTER DATABASE ${db.name} RESET default_transaction_read_only`);
    }
    // A role the server refuses to log in (whatever its authentication method): class 28.
    const role = `rf_nologin_${db.name.slice(-8)}`;
    await db.superuser.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      const refusedUrl = new URL(db.appUrl);
      refusedUrl.username = role;
      const refused = new Client({ connectionString: refusedUrl.toString() });
      expect(databaseFaultOf(await failureOf(() => refused.connect()))).toMatchObject({
        kind: 'unavailable',
        reason: expect.stringMatching(/invalid authorization \(28[0-9A-Z]{3}\)/),
      });
    } finally {
      await db.superuser.query(`DROP ROLE ${role}`);
    }
  });

  it('reads a statement timeout and a lock timeout as unavailable', async () => {
    const slow = await failureOf(() =>
      source.transaction(async (manager) => {
        await manager.query(`SET LOCAL statement_timeout = '20ms'`);
        await manager.query('SELECT pg_sleep(5)');
      }),
    );
    expect(databaseFaultOf(slow)).toEqual({ kind: 'unavailable', reason: expect.stringContaining('57014') });

    await db.superuser.query('BEGIN');
    await db.superuser.query('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE');
    try {
      const blocked = await failureOf(() =>
        source.transaction(async (manager) => {
          await manager.query(`SET LOCAL lock_timeout = '20ms'`);
          await manager.query('SELECT count(*) FROM workspaces');
        }),
      );
      expect(databaseFaultOf(blocked)).toEqual({ kind: 'unavailable', reason: expect.stringContaining('55P03') });
    } finally {
      await db.superuser.query('ROLLBACK');
    }
  });

  it('reads a refused connection, a pool acquire timeout and a connection cut mid-query as unavailable', async () => {
    const proxy = await TcpProxy.start(db.appUrl);
    // The first connection may take its time (SCRAM on a loaded machine); only the wait for a second is cut short.
    const pool = new Pool({ connectionString: proxy.through(db.appUrl), max: 1, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined);
    let held: PoolClient | undefined;
    try {
      held = await pool.connect();
      (pool as unknown as { options: { connectionTimeoutMillis: number } }).options.connectionTimeoutMillis = 50;
      held.on('error', () => undefined); // a checked-out client's own error event, heard (the query's rejection is what is read)
      expect(databaseFaultOf(await failureOf(() => pool.connect()))).toEqual({ kind: 'unavailable', reason: 'pool acquire timeout' });

      const cutMidQuery = held.query('SELECT pg_sleep(30)');
      await proxy.cut();
      // The socket reset or closed under it: node-postgres says ECONNRESET or "Connection terminated unexpectedly".
      expect(databaseFaultOf(await failureOf(() => cutMidQuery))).toEqual({
        kind: 'unavailable',
        reason: expect.stringMatching(/^(ECONNRESET|connection terminated)$/),
      });
      held.release(true);
      held = undefined;

      const refused = await failureOf(() => new Client({ connectionString: proxy.through(db.appUrl) }).connect());
      expect(databaseFaultOf(refused)).toEqual({ kind: 'unavailable', reason: 'ECONNREFUSED' });
    } finally {
      held?.release(true);
      await pool.end();
      await proxy.close();
    }
  });

  it('leaves every other error alone', async () => {
    expect(databaseFaultOf(await failureOf(() => source.query('SELEC 1')))).toBeUndefined();
    expect(databaseFaultOf(await raised('23505'))).toBeUndefined();
    expect(databaseFaultOf(new Error('boom'))).toBeUndefined();
  });

  it('answers a fault with a 503 that knows when to retry, and ends an outage only once the database has answered after a quiet spell', async () => {
    const faults = new DatabaseFaults();
    const lines: string[] = [];
    Object.assign(faults as unknown as { logger: Pick<Logger, 'error' | 'log' | 'warn'> }, {
      logger: {
        error: (_: unknown, message: string) => lines.push(`error ${message}`),
        log: (message: string) => lines.push(`log ${message}`),
        warn: () => undefined,
      },
    });
    const failure = await raised('57P03');
    for (let request = 0; request < 5; request += 1) {
      const answer = faults.translate(failure);
      expect(DatabaseProblems.DATABASE_UNAVAILABLE.is(answer)).toBe(true);
      expect(answer).toMatchObject({ status: 503, retryAfterSeconds: expect.any(Number), reportedState: true });
    }
    faults.answered(Date.now());
    expect(lines).toEqual([expect.stringMatching(/^error database unavailable: .*57P03/)]);
    faults.answered(Date.now() + OUTAGE_QUIET_MS);
    faults.answered(Date.now() + OUTAGE_QUIET_MS + 1);
    expect(lines).toEqual([
      expect.stringMatching(/^error database unavailable/),
      expect.stringMatching(/^log database answers again after .*; 5 calls were answered 503/),
    ]);
    expect(faults.translate(new Error('not the database'))).toEqual(new Error('not the database'));
  });
});
