import { AuditWriter } from '@ringfence/audit';
import { AfterTransactionError, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

describe('UnitOfWork: the principal’s RLS settings and the after-transaction hooks', () => {
  const db = useTestDatabase();
  let source: DataSource;
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    source = await db.dataSource(db.appUrl);
    unitOfWork = new UnitOfWork(source, new RequestContext());
  });

  it('runs a provider in its workspace and its environment, as a key: test never sees live, its audit rows are filed under it', async () => {
    const superuser = await db.connect(db.adminUrl);
    const { rows } = await superuser.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('provided') RETURNING id`);
    const workspaceId = rows[0]!.id;
    await superuser.query(
      `INSERT INTO api_keys (workspace_id, key_id, environment, name, scopes, secret_hash, pepper_version, created_by)
       SELECT $1, key_id, environment, 'k', ARRAY['vault:read'], decode(repeat('00', 32), 'hex'), 1, 'admin:test'
         FROM (VALUES ('PR0V11VE', 'live'), ('PR0VTE5T', 'test')) AS k(key_id, environment)`,
      [workspaceId],
    );
    const seenBy = (environment: 'live' | 'test') =>
      unitOfWork.run(() => sqlRows<{ key_id: string }>(unitOfWork.manager, 'SELECT key_id FROM api_keys'), {
        principal: { kind: 'provider', provider: 'simulator', workspaceId, environment },
      });
    expect(await seenBy('test')).toEqual([{ key_id: 'PR0VTE5T' }]);
    expect(await seenBy('live')).toEqual([{ key_id: 'PR0V11VE' }]);
    // Its audit rows are filed under its environment too, as a key's are.
    await unitOfWork.run(() => new AuditWriter(unitOfWork, new RequestContext()).append({ action: 'probe.provider', outcome: 'success' }), {
      principal: { kind: 'provider', provider: 'simulator', workspaceId, environment: 'test' },
    });
    const audited = await superuser.query(
      `SELECT workspace_id, actor_type, actor_id, environment FROM audit_log WHERE action = 'probe.provider'`,
    );
    expect(audited.rows).toEqual([{ workspace_id: workspaceId, actor_type: 'provider', actor_id: 'simulator', environment: 'test' }]);
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
        await tight.afterTransaction(() =>
          tight.run(async () => void (written = (await tight.manager.query('SELECT 1 AS one')).length === 1)),
        );
      });
      expect(written).toBe(true);
    } finally {
      await single.destroy();
    }
  });

  it('hands a nested unit of work’s after-transaction work to the outer one, whose connection is still held', async () => {
    const calls: string[] = [];
    await unitOfWork.run(async () => {
      await unitOfWork.run(async () => {
        await unitOfWork.afterTransaction(() => Promise.resolve(void calls.push(`task, in a transaction: ${unitOfWork.active}`)));
      });
      calls.push('outer work goes on');
    });
    expect(calls).toEqual(['outer work goes on', 'task, in a transaction: false']);
  });

  it('runs every after-transaction task and the afterCommit callbacks, then fails the unit of work if a task failed', async () => {
    const calls: string[] = [];
    const outcome = unitOfWork.run(async () => {
      unitOfWork.afterCommit(() => calls.push('committed'));
      await unitOfWork.afterTransaction(() => Promise.reject(new Error('audit database down')));
      await unitOfWork.afterTransaction(() => Promise.resolve(void calls.push('second task')));
    });
    await expect(outcome).rejects.toBeInstanceOf(AfterTransactionError);
    await expect(outcome).rejects.toMatchObject({ cause: new Error('audit database down') });
    expect(calls).toEqual(['committed', 'second task']);

    const rolledBack = unitOfWork.run(async () => {
      await unitOfWork.afterTransaction(() => Promise.reject(new Error('audit database down')));
      throw new Error('the request’s own failure');
    });
    await expect(rolledBack).rejects.toMatchObject({ transactionError: new Error('the request’s own failure') });
  });
});
