import { prepared, Principal, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

const SYSTEM: Principal = { kind: 'system', process: 'named-statements-spec' };
const NAMED = prepared('ringfence_spec_named', `SELECT $1::text AS value, current_setting('app.actor', true) AS actor`);

/**
 * Named statements (`prepared`) on a pool of one connection, so every unit of work gets
 * the same one: a failure must not leave the driver and the server disagreeing about
 * which statements the connection holds (docs/adr/0018-audited-mutation-speed.md).
 */
describe('Named statements after a failure (as ringfence_app, one connection)', () => {
  const db = useTestDatabase();
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    const source: DataSource = await db.dataSource(db.appUrl, { max: 1 });
    unitOfWork = new UnitOfWork(source, new RequestContext());
  });

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
});
