import { RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('UnitOfWork.afterCommit', () => {
  let db: TestDatabase;
  let source: DataSource;
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    db = await createTestDatabase();
    source = await new DataSource({ type: 'postgres', url: db.appUrl }).initialize();
    unitOfWork = new UnitOfWork(source, new RequestContext());
  });
  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  it('runs after the commit, not before it, and never after a rollback', async () => {
    const calls: string[] = [];
    await unitOfWork.run(async () => {
      unitOfWork.afterCommit(() => calls.push('committed'));
      await unitOfWork.manager.query('SELECT 1');
      calls.push('in transaction');
    });
    expect(calls).toEqual(['in transaction', 'committed']);

    await expect(
      unitOfWork.run(async () => {
        unitOfWork.afterCommit(() => calls.push('rolled back'));
        await unitOfWork.manager.query('SELECT 1');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toEqual(['in transaction', 'committed']);

    unitOfWork.afterCommit(() => calls.push('no transaction: at once'));
    expect(calls).toContain('no transaction: at once');
  });
});
