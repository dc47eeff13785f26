import { sqlCount, sqlRows } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

/** TypeORM answers UPDATE/DELETE with [rows, count]; sqlRows gives the rows back whatever the statement. */
describe('sqlRows', () => {
  const db = useTestDatabase({ empty: true });
  let source: DataSource;

  beforeAll(async () => {
    source = await db.dataSource(db.ownerUrl);
    await source.query('CREATE TABLE t (id int PRIMARY KEY, used boolean NOT NULL DEFAULT false)');
    await source.query('INSERT INTO t (id) VALUES (1), (2)');
  });

  it('reads UPDATE … RETURNING as its rows, not as [rows, count]', async () => {
    expect(Array.isArray(await source.query('UPDATE t SET used = true WHERE id = 99 RETURNING id'))).toBe(true);
    expect(await sqlRows(source.manager, 'UPDATE t SET used = true WHERE id = 99 RETURNING id')).toEqual([]);
    expect(await sqlRows(source.manager, 'UPDATE t SET used = true WHERE id = 1 AND NOT used RETURNING id')).toEqual([{ id: 1 }]);
    expect(await sqlCount(source.manager, 'UPDATE t SET used = true WHERE id = 1 AND NOT used RETURNING id')).toBe(0);
    expect(await sqlCount(source.manager, 'DELETE FROM t WHERE id = $1 RETURNING id', [2])).toBe(1);
    expect(await sqlRows(source.manager, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }]);
  });
});
