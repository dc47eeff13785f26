import { Logger } from '@nestjs/common';
import {
  CONFLICT_ATTEMPTS,
  databaseFaultOf,
  DatabaseProblems,
  newContextStore,
  Principal,
  RequestContext,
  UnitOfWork,
} from '@ringfence/tenancy';
import { EventEmitter, once } from 'node:events';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

const SYSTEM: Principal = { kind: 'system', process: 'unit-of-work-spec' };
/** A real serialization failure, raised by the database itself. */
const SERIALIZATION_FAILURE = `DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END $$`;

/**
 * The unit of work against a real PostgreSQL when the database fights back: conflicts
 * (40001, 40P01) retried at the outermost unit of work while nothing has left it, each
 * attempt with its own queued work and slots; connections lost mid-transaction and the
 * last attempt of a conflict answered as the 503 DATABASE_UNAVAILABLE problem.
 */
describe('UnitOfWork under database faults (as ringfence_app)', () => {
  const db = useTestDatabase();
  let source: DataSource;
  let context: RequestContext;
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Deadlocks are found after deadlock_timeout (1 s by default): sooner, for the spec's new sessions.
    await db.superuser.query(`ALTER DATABASE "${db.name}" SET deadlock_timeout = '50ms'`);
    source = await db.dataSource(db.appUrl);
    context = new RequestContext();
    unitOfWork = new UnitOfWork(source, context);
  });

  async function rowsNamed(name: string): Promise<number> {
    const { rows } = await db.superuser.query<{ count: number }>('SELECT count(*)::int AS count FROM workspaces WHERE name = $1', [name]);
    return rows[0]!.count;
  }

  function insertWorkspace(name: string): Promise<unknown> {
    return unitOfWork.manager.query('INSERT INTO workspaces (name) VALUES ($1)', [name]);
  }

  it('runs an outermost unit of work again after a serialization failure: its row is written once, its queued work runs once, for the attempt that committed', async () => {
    const calls: string[] = [];
    let attempts = 0;
    const result = await unitOfWork.run(
      async () => {
        attempts += 1;
        const attempt = attempts;
        await insertWorkspace('retried once');
        unitOfWork.afterCommit(() => calls.push(`afterCommit of attempt ${attempt}`));
        await unitOfWork.afterTransaction(() => Promise.resolve(void calls.push(`afterTransaction of attempt ${attempt}`)));
        if (attempt === 1) await unitOfWork.manager.query(SERIALIZATION_FAILURE);
        return attempt;
      },
      { principal: SYSTEM },
    );
    expect(result).toBe(2);
    expect(calls).toEqual(['afterCommit of attempt 2', 'afterTransaction of attempt 2']);
    expect(await rowsNamed('retried once')).toBe(1);
  });

  it('resolves a genuine deadlock between two units of work: the loser runs again, and each row is updated exactly once by each', async () => {
    const { rows } = await db.superuser.query<{ id: string }>(
      `INSERT INTO workspaces (name) VALUES ('deadlock a'), ('deadlock b') RETURNING id`,
    );
    const [a, b] = rows.map((row) => row.id) as [string, string];
    const bothHoldTheirFirst = barrier(2);
    const attempts = { ab: 0, ba: 0 };
    const crossing = (first: string, second: string, key: keyof typeof attempts) =>
      unitOfWork.run(
        async () => {
          attempts[key] += 1;
          await unitOfWork.manager.query('UPDATE workspaces SET version = version + 1 WHERE id = $1', [first]);
          if (attempts[key] === 1) await bothHoldTheirFirst();
          await unitOfWork.manager.query('UPDATE workspaces SET version = version + 1 WHERE id = $1', [second]);
        },
        { principal: SYSTEM },
      );
    await Promise.all([crossing(a, b, 'ab'), crossing(b, a, 'ba')]);
    expect(attempts.ab + attempts.ba).toBe(3); // one of them lost the deadlock and ran once more
    const versions = await db.superuser.query<{ version: number }>('SELECT version FROM workspaces WHERE id = ANY($1::uuid[])', [[a, b]]);
    expect(versions.rows.map((row) => row.version)).toEqual([3, 3]); // 1 + one update by each unit of work
  });

  it('answers 503 with Retry-After after the last attempt, runs the last attempt’s after-transaction work, and never commits', async () => {
    let attempts = 0;
    const evidence: number[] = [];
    const outcome = unitOfWork.run(
      async () => {
        attempts += 1;
        const attempt = attempts;
        await insertWorkspace('never committed');
        unitOfWork.afterCommit(() => evidence.push(-attempt));
        await unitOfWork.afterTransaction(() => Promise.resolve(void evidence.push(attempt)));
        await unitOfWork.manager.query(SERIALIZATION_FAILURE);
      },
      { principal: SYSTEM },
    );
    await expect(outcome).rejects.toMatchObject({ name: 'Problem', code: 'DATABASE_UNAVAILABLE' });
    await expect(outcome).rejects.toMatchObject({ status: 503, retryAfterSeconds: expect.any(Number), reportedState: true });
    expect(attempts).toBe(CONFLICT_ATTEMPTS);
    expect(evidence).toEqual([CONFLICT_ATTEMPTS]);
    expect(await rowsNamed('never committed')).toBe(0);
  });

  it('does not run again once something left the transaction: marked irreversible, or a nested unit of work that committed', async () => {
    let marked = 0;
    await expect(
      unitOfWork.run(
        async () => {
          marked += 1;
          unitOfWork.markIrreversible();
          await unitOfWork.manager.query(SERIALIZATION_FAILURE);
        },
        { principal: SYSTEM },
      ),
    ).rejects.toMatchObject({ name: 'Problem', code: 'DATABASE_UNAVAILABLE' });
    expect(marked).toBe(1);

    let outer = 0;
    await expect(
      unitOfWork.run(
        async () => {
          outer += 1;
          await unitOfWork.run(() => insertWorkspace('committed by a nested unit'));
          await unitOfWork.manager.query(SERIALIZATION_FAILURE);
        },
        { principal: SYSTEM },
      ),
    ).rejects.toMatchObject({ name: 'Problem', code: 'DATABASE_UNAVAILABLE' });
    expect(outer).toBe(1);
    expect(await rowsNamed('committed by a nested unit')).toBe(1);
  });

  it('retries at the outermost unit of work only: a nested one that loses is run again with the one around it', async () => {
    const attempts = { outer: 0, nested: 0 };
    await unitOfWork.run(
      async () => {
        attempts.outer += 1;
        await unitOfWork.run(
          async () => {
            attempts.nested += 1;
            if (attempts.nested === 1) await unitOfWork.manager.query(SERIALIZATION_FAILURE);
          },
          { readOnly: true },
        );
      },
      { principal: SYSTEM },
    );
    expect(attempts).toEqual({ outer: 2, nested: 2 });
  });

  it('gives each attempt the slots as they were before the unit of work: a failed attempt’s never reach the next', async () => {
    const BEFORE = Symbol('set before the unit of work');
    const TRAIL = Symbol('set by an attempt');
    const store = newContextStore();
    store.slots.set(BEFORE, 'kept');
    const seen: unknown[] = [];
    await RequestContext.run(store, () =>
      unitOfWork.run(
        async () => {
          const slots = context.store!.slots;
          seen.push([slots.get(BEFORE), slots.get(TRAIL)]);
          if (seen.length === 1) {
            slots.set(TRAIL, { before: { leaked: true } });
            await unitOfWork.manager.query(SERIALIZATION_FAILURE);
          }
        },
        { principal: SYSTEM },
      ),
    );
    expect(seen).toEqual([
      ['kept', undefined],
      ['kept', undefined],
    ]);
    expect(store.slots.has(TRAIL)).toBe(false);
  });

  it('answers 503 when the server ends the connection during a statement', async () => {
    const failure = unitOfWork
      .run(() => unitOfWork.manager.query(`SELECT pg_sleep(30) AS "terminate me"`), { principal: SYSTEM })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await terminateWhen(`query LIKE '%terminate me%' AND state = 'active'`);
    expect(DatabaseProblems.DATABASE_UNAVAILABLE.is(await failure)).toBe(true);
    expect(databaseFaultOf(await failure)).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('57P01') });
  });

  it('answers 503 when the connection is lost while the transaction sits between statements', async () => {
    const outcome = unitOfWork.run(
      async () => {
        const [{ pid }] = await unitOfWork.manager.query<[{ pid: number }]>('SELECT pg_backend_pid() AS pid');
        const connection = (unitOfWork.manager.queryRunner as unknown as { databaseConnection: EventEmitter }).databaseConnection;
        const lost = once(connection, 'error');
        await db.superuser.query('SELECT pg_terminate_backend($1)', [pid]);
        await lost;
        await unitOfWork.manager.query('SELECT 1');
      },
      { principal: SYSTEM },
    );
    await expect(outcome).rejects.toMatchObject({ name: 'Problem', code: 'DATABASE_UNAVAILABLE' });
    // The pool is whole again: the next unit of work gets a live connection.
    await expect(unitOfWork.run(async () => (await unitOfWork.manager.query('SELECT 1 AS one')) as unknown)).resolves.toEqual([{ one: 1 }]);
  });

  async function terminateWhen(condition: string): Promise<void> {
    for (let polls = 0; polls < 500; polls += 1) {
      const { rows } = await db.superuser.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${condition}`,
      );
      if (rows.some((row) => row.terminated)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no backend matched: ${condition}`);
  }
});

/** Resolves every caller once `parties` have called. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    waiting += 1;
    if (waiting === parties) release();
    return all;
  };
}
