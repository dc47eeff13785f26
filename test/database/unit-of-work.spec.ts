import { RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('UnitOfWork after-transaction hooks', () => {
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

  it('runs afterTransaction work once the transaction has ended, committed or rolled back, before the unit of work returns or throws', async () => {
    const calls: string[] = [];
    await unitOfWork.run(async () => {
      await unitOfWork.afterTransaction(() => Promise.resolve(void calls.push(`after commit, in a transaction: ${unitOfWork.active}`)));
      calls.push('in transaction');
    });
    await expect(
      unitOfWork.run(async () => {
        await unitOfWork.afterTransaction(() => Promise.resolve(void calls.push('after rollback')));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toEqual(['in transaction', 'after commit, in a transaction: false', 'after rollback']);
  });

  it('lets afterTransaction work take a connection even when the transaction held the last one', async () => {
    const single = await new DataSource({ type: 'postgres', url: db.appUrl, extra: { max: 1 } }).initialize();
    try {
      const tight = new UnitOfWork(single, new RequestContext());
      let written = false;
      // With the pool's only connection held by the outer transaction, an own transaction
      // opened inside it would wait forever; deferred, it runs once that connection is back.
      await tight.run(async () => {
        await tight.afterTransaction(() => tight.run(async () => void (written = (await tight.manager.query('SELECT 1 AS one')).length === 1)));
      });
      expect(written).toBe(true);
    } finally {
      await single.destroy();
    }
  });
});
