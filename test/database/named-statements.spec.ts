import { prepared, Principal, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { useTestDatabase } from '../support/test-database';

const SYSTEM: Principal = { kind: 'system', process: 'named-statements-spec' };
const NAMED = prepared('ringfence_spec_named', `SELECT $1::text AS value, current_setting('app.actor', true) AS actor`);

/**
 * A unit of work's connection after a failure, on a pool of one connection so every unit
 * of work gets the same one: it must not go back to the pool disagreeing with the server
 * about which named statements (`prepared`) it holds, or still inside the failed
 * transaction (docs/adr/0018-audited-mutation-speed.md).
 */
describe('A unit of work’s connection after a failure: named statements, an unanswered ROLLBACK (as ringfence_app, one connection)', () => {
  const db = useTestDatabase();
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    const source: DataSource = await db.dataSource(db.appUrl, { max: 1 });
    unitOfWork = new UnitOfWork(source, new RequestContext());
  });

  afterEach(() => jest.restoreAllMocks());

  const run = (value: unknown) =>
    unitOfWork.run(() => sqlRows<{ value: string; actor: string }>(unitOfWork.manager, NAMED, [value]), { principal: SYSTEM });

  it('keeps working after a value the driver could not serialise: the connection pg closed the statement on is not pooled again', async () => {
    expect(await run('before')).toEqual([{ value: 'before', actor: 'system:named-statements-spec' }]);
    // pg sends Close for the statement when binding throws, yet keeps it as parsed: every
    // later use of the name on that connection would fail with 26000 (prepared statement
    // does not exist), the audit insert's included, until the process restarts.
    const unserialisable = {
      toPostgres: () => {
        throw new Error('cannot serialise');
      },
    };
    await expect(run(unserialisable)).rejects.toThrow('cannot serialise');
    expect(await run('after')).toEqual([{ value: 'after', actor: 'system:named-statements-spec' }]);
    expect(await run('again')).toEqual([{ value: 'again', actor: 'system:named-statements-spec' }]);
  });

  it('keeps a named statement parsed in a transaction that rolled back', async () => {
    const other = prepared('ringfence_spec_rolled_back', 'SELECT $1::text AS value');
    await expect(
      unitOfWork.run(
        async () => {
          await sqlRows(unitOfWork.manager, other, ['first']);
          throw new Error('rolled back');
        },
        { principal: SYSTEM },
      ),
    ).rejects.toThrow('rolled back');
    expect(await unitOfWork.run(() => sqlRows(unitOfWork.manager, other, ['second']), { principal: SYSTEM })).toEqual([
      { value: 'second' },
    ]);
  });

  // A ROLLBACK that gets no answer (here: the driver refuses it, the socket still open) must
  // not hand the pool a connection still inside the failed transaction: the next unit of
  // work's START TRANSACTION would only warn, and its COMMIT would commit the failed one's
  // writes, without their audit row.
  it('ends a connection whose ROLLBACK did not answer, not pooled: the failed transaction’s write is never committed by the next unit of work', async () => {
    const query = PostgresQueryRunner.prototype.query;
    jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
      this: PostgresQueryRunner,
      sql: string,
      ...rest: unknown[]
    ) {
      if (sql === 'ROLLBACK') return Promise.reject(new Error('no answer to ROLLBACK'));
      return (query as (this: PostgresQueryRunner, ...args: unknown[]) => Promise<unknown>).call(this, sql, ...rest);
    } as typeof query);
    await expect(
      unitOfWork.run(
        async () => {
          await unitOfWork.manager.query(`INSERT INTO workspaces (name) VALUES ('must roll back')`);
          throw new Error('the handler failed');
        },
        { principal: SYSTEM },
      ),
    ).rejects.toThrow('the handler failed');
    jest.restoreAllMocks();

    const next = await unitOfWork.run(
      () => sqlRows<{ open: boolean }>(unitOfWork.manager, `SELECT count(*) > 0 AS open FROM workspaces WHERE name = 'must roll back'`),
      { principal: SYSTEM },
    );
    expect(next).toEqual([{ open: false }]);
    const { rows } = await db.superuser.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM workspaces WHERE name = 'must roll back'`,
    );
    expect(rows[0]!.count).toBe(0);
  });
});
