import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { escapeLiteral } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { DatabaseFaults, databaseFaultOf } from './database-faults';
import { actorLabel, environmentOf, Principal, workspaceIdOf } from './principal';
import { newContextStore, RequestContext, RequestContextStore, UnitOfWorkAttempt } from './request-context';
import type { SqlReader } from './sql-rows';

/** A transaction's own timeouts, in milliseconds, in place of the connection's (DATABASE_*_TIMEOUT_MS). */
export interface TransactionTimeouts {
  readonly statementMs?: number;
  readonly lockMs?: number;
  readonly idleInTransactionMs?: number;
}

export interface UnitOfWorkOptions {
  /**
   * The allowance of work that legitimately runs long (the audit chain's seal, retention
   * and verification, the audit export, key rewrapping, the workspace purge): statement,
   * lock and idle-in-transaction timeouts of DATABASE_LONG_RUNNING_TIMEOUT_MS for this
   * transaction only (`SET LOCAL`), where a request's are seconds. Never I/O: an outbox
   * sends outside any transaction (docs/adr/0012-background-jobs.md).
   */
  readonly longRunningTimeoutMs: number;
}
export const UNIT_OF_WORK_OPTIONS = Symbol('UNIT_OF_WORK_OPTIONS');
const DEFAULT_OPTIONS: UnitOfWorkOptions = { longRunningTimeoutMs: 600_000 };

interface RunOptions {
  readOnly?: boolean;
  principal?: Principal;
  /** Long-running work (see UnitOfWorkOptions): this transaction gets the long allowance. */
  longRunning?: boolean;
  /** Work with a deadline of its own (the cosigner's decision): shorter timeouts for this transaction. */
  timeouts?: TransactionTimeouts;
}

/** Attempts of an outermost unit of work that keeps losing to concurrent ones (serialization failures, deadlocks). */
export const CONFLICT_ATTEMPTS = 3;
/** The first retry waits up to this long, the next up to twice as long (full jitter). */
const RETRY_BACKOFF_MS = 25;

/**
 * One database transaction and the context that can see it. Services and repositories
 * use `manager`: the transaction's EntityManager, so every write (the audit row included)
 * commits or rolls back together; outside a unit of work it throws (NoUnitOfWorkError).
 * The pool is reached otherwise through readOutsideUnitOfWork only (docs/adr/0014-data-access.md).
 *
 * A database fault answers as the 503 DATABASE_UNAVAILABLE problem (DatabaseFaults logs
 * the outage once). An outermost unit of work that loses to a concurrent transaction
 * (40001, 40P01) is run again, up to CONFLICT_ATTEMPTS times with jittered back-off, while
 * nothing outside its transaction has happened yet; each attempt has its own
 * after-commit and after-transaction work and its own copy of the context's slots.
 */
@Injectable()
export class UnitOfWork {
  private readonly faults: DatabaseFaults;
  private readonly longRunning: TransactionTimeouts;

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    @Optional() faults?: DatabaseFaults,
    @Optional() @Inject(UNIT_OF_WORK_OPTIONS) options?: UnitOfWorkOptions,
  ) {
    this.faults = faults ?? new DatabaseFaults();
    const longMs = (options ?? DEFAULT_OPTIONS).longRunningTimeoutMs;
    this.longRunning = { statementMs: longMs, lockMs: longMs, idleInTransactionMs: longMs };
  }

  /**
   * The open transaction's manager. Outside a unit of work there is none, and no fallback:
   * the pool has no transaction, no audit row, and the admin tables' policy admits it.
   */
  get manager(): EntityManager {
    const manager = this.context.store?.manager;
    if (!manager) throw new NoUnitOfWorkError();
    return manager;
  }

  get active(): boolean {
    return this.context.store?.manager !== undefined;
  }

  /**
   * Reads in the open unit of work, or else in a new read-only one with the RLS settings:
   * what a GET handler uses (only mutations get a request transaction, from `@Audited`).
   */
  read<T>(work: () => Promise<T>, options: Pick<RunOptions, 'longRunning'> = {}): Promise<T> {
    return this.active ? work() : this.run(work, { ...options, readOnly: true });
  }

  /**
   * The one door to the pool outside a unit of work, for the few reads that must happen
   * before there is a principal to run one as (a key's look-up, an admin's session, a
   * login's account) or that report on the database itself (readiness). `work` gets a
   * reader on a transaction of its own that is READ ONLY (a write fails, as
   * ReadOnlyWriteError) and has no RLS settings: no workspace, not the platform. `purpose`
   * says why this read is outside a unit of work; errors name it. Never inside a unit of
   * work: holding its connection while waiting for a second one can exhaust the pool.
   */
  async readOutsideUnitOfWork<T>(purpose: string, work: (reader: SqlReader) => Promise<T>): Promise<T> {
    if (this.active) throw new PoolReadInUnitOfWorkError(purpose);
    return this.faults.guard(async () => {
      const runner = this.dataSource.createQueryRunner();
      let open = false;
      try {
        // One round trip opens it read-only (TypeORM's startTransaction and a SET would take two).
        await runner.query('START TRANSACTION READ ONLY');
        open = true;
        const result = await work(runner.manager);
        open = false;
        await runner.query('COMMIT');
        return result;
      } catch (error) {
        // As TypeORM's own transactions: a connection that broke is dropped by the driver's error listener.
        const rolledBack = open
          ? await runner.query('ROLLBACK').then(
              () => true,
              () => false,
            )
          : true;
        // One that may disagree with the server is ended, never pooled again (as in transaction()).
        if (!rolledBack || failedInDriver(error)) discardConnection(runner);
        throw isReadOnlyViolation(error) ? new ReadOnlyWriteError(`readOutsideUnitOfWork (${purpose})`) : error;
      } finally {
        await runner.release();
      }
    });
  }

  /**
   * Something outside the open transaction has happened (mail sent, a counter spent in
   * Redis): from here on the unit of work is not run again on a conflict, which would do
   * it twice. Nothing at once outside one.
   */
  markIrreversible(): void {
    const attempt = this.context.store?.attempt;
    if (this.active && attempt) attempt.irreversible = true;
  }

  /**
   * Runs `work` in a new transaction whose first statement sets `app.workspace_id`,
   * `app.actor` and, for admins and the system only, `app.platform`. The acting principal is the
   * context's unless one is given (workers, security events).
   */
  async run<T>(work: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const outer = this.context.store;
    // Nested in an open unit of work (its own transaction, on its own connection): the
    // outermost one is the retry unit, and this one's commit happens outside it.
    const enclosing = outer?.manager ? outer : undefined;
    const principal = options.principal ?? outer?.principal ?? newContextStore().principal;
    const timeouts = options.longRunning ? this.longRunning : options.timeouts;
    for (let attempt = 1; ; attempt += 1) {
      const afterCommit: (() => void)[] = [];
      const afterTransaction: (() => Promise<void>)[] = [];
      const state: UnitOfWorkAttempt = enclosing?.attempt ?? { irreversible: false };
      const connection = new ConnectionWatch();
      let result: T;
      try {
        result = await this.transaction(async (manager) => {
          // One round trip opens the transaction (read-only for reads) and sets what RLS reads.
          await applySessionSettings(manager, principal, timeouts, {
            begin: options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION',
          });
          connection.watch(manager);
          // An attempt sees the slots as they were before the unit of work; what a failed
          // attempt put there (the audit trail's before and after) never reaches the next.
          const slots = enclosing ? enclosing.slots : new Map(outer?.slots);
          const store: RequestContextStore = {
            ...(outer ?? newContextStore()),
            principal,
            manager,
            afterCommit,
            afterTransaction,
            attempt: state,
            slots,
          };
          return RequestContext.run(store, work);
        });
      } catch (thrown) {
        // A connection lost while the work was between statements surfaces as TypeORM's
        // "query runner already released" on the next one: the loss is the error.
        const error = connection.lost !== undefined && !databaseFaultOf(thrown) ? connection.lost : thrown;
        // Only a write fails a read-only transaction this way: a programming error, not the database's outage.
        if (options.readOnly && isReadOnlyViolation(error)) throw new ReadOnlyWriteError('a read-only unit of work (read())');
        const fault = databaseFaultOf(error);
        if (fault?.kind === 'conflict' && !enclosing) {
          // The failed attempt's queued work goes with it; the next attempt queues its own.
          if (!state.irreversible && attempt < CONFLICT_ATTEMPTS) {
            await backOff(attempt);
            continue;
          }
          this.faults.gaveUp(fault, attempt, state.irreversible);
        }
        const failure = this.faults.translate(error);
        if (afterTransaction.length > 0) await this.settle(afterTransaction, outer, failure);
        throw failure;
      } finally {
        connection.unwatch();
      }
      if (enclosing?.attempt && !options.readOnly) enclosing.attempt.irreversible = true;
      this.faults.answered();
      for (const callback of afterCommit) callback();
      // Most units of work queue nothing: they pay no extra await.
      if (afterTransaction.length > 0) await this.settle(afterTransaction, outer);
      return result;
    }
  }

  /**
   * A transaction on a connection of its own, as TypeORM's `transaction()` runs one (COMMIT
   * after `work`, ROLLBACK on any error, the connection released either way) but opened by
   * `work`'s first statement: TypeORM's would send START TRANSACTION alone, one round trip
   * more per unit of work (docs/adr/0018-audited-mutation-speed.md). A connection that
   * broke is dropped by the driver's error listener, as in TypeORM's own transactions.
   */
  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      // The original error is what the caller sees, whatever the rollback does.
      const rolledBack = await runner.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      // A connection whose ROLLBACK did not answer, or whose driver failed on our side of
      // the wire, may disagree with the server (a transaction still open, a named statement
      // the driver thinks parsed that the server closed): it is ended, never pooled again.
      if (!rolledBack || failedInDriver(error)) discardConnection(runner);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * The after-transaction tasks of a unit of work that has just ended. Nested in another
   * one, they pass to it: its connection is still held. Otherwise they run now, every one
   * of them; a failed task fails the unit of work (evidence that could not be written is
   * not passed over in silence), even when the transaction committed.
   */
  private async settle(tasks: (() => Promise<void>)[], outer: RequestContextStore | undefined, failure?: unknown): Promise<void> {
    if (outer?.manager && outer.afterTransaction) {
      outer.afterTransaction.push(...tasks);
      return;
    }
    const outcomes = await Promise.allSettled(tasks.map((task) => task()));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (!failed) return;
    // Evidence the database could not take is the database's outage: its 503, not a 500.
    if (databaseFaultOf(failed.reason)) throw this.faults.translate(failed.reason);
    throw new AfterTransactionError(failed.reason, failure);
  }

  /**
   * Runs `task` once the outermost open transaction has ended, committed or rolled back
   * (after its afterCommit callbacks), and before that unit of work returns or throws; at
   * once outside one. For work that needs its own connection (evidence written in its own
   * transaction): taking a second connection while holding one could exhaust the pool
   * under load and wait forever.
   */
  async afterTransaction(task: () => Promise<void>): Promise<void> {
    const pending = this.context.store?.afterTransaction;
    if (this.active && pending) pending.push(task);
    else await task();
  }

  /** Runs `callback` once the open transaction commits (never if it rolls back); at once outside one. */
  afterCommit(callback: () => void): void {
    const pending = this.context.store?.afterCommit;
    if (this.active && pending) pending.push(callback);
    else callback();
  }
}

/** Database access outside a unit of work: a programming error (answered 500), never a silent fall back to the pool. */
export class NoUnitOfWorkError extends Error {
  constructor() {
    super(
      'database access outside a unit of work: run it in unitOfWork.run() or unitOfWork.read() (a mutating route: @Audited), ' +
        'or, for a deliberate read before there is a principal, in unitOfWork.readOutsideUnitOfWork(purpose, reader => …)',
    );
    this.name = 'NoUnitOfWorkError';
  }
}

/** A pool read asked for inside a unit of work: it would hold one connection while waiting for another. */
export class PoolReadInUnitOfWorkError extends Error {
  constructor(purpose: string) {
    super(`readOutsideUnitOfWork (${purpose}) called inside a unit of work: read through unitOfWork.manager instead`);
    this.name = 'PoolReadInUnitOfWorkError';
  }
}

/** A write where only reads run (read(), readOutsideUnitOfWork()): a programming error, not the database's outage. */
export class ReadOnlyWriteError extends Error {
  constructor(where: string) {
    super(`a write in ${where}, which is read-only: writes belong in unitOfWork.run() (a mutating route: @Audited)`);
    this.name = 'ReadOnlyWriteError';
  }
}

/** SQLSTATE 25006: a write in a READ ONLY transaction (elsewhere, a read-only server: DatabaseFaults). */
function isReadOnlyViolation(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return code === '25006' || driverError?.code === '25006';
}

/** Work after a transaction failed (evidence not written); the transaction's own error, if it had one, rides along. */
export class AfterTransactionError extends Error {
  constructor(
    cause: unknown,
    readonly transactionError?: unknown,
  ) {
    super('work after the transaction failed', { cause });
    this.name = 'AfterTransactionError';
  }
}

/**
 * The settings row-level security reads, and the transaction's own timeouts when it has
 * any, in one round trip; all transaction-local (`set_config(..., true)`, as `SET LOCAL`).
 *
 * The same round trip opens the transaction (`begin`): `START TRANSACTION; SELECT
 * set_config(…)` as one simple query, which node-postgres sends only without parameters,
 * so the values go as literals, quoted by pg's `escapeLiteral`. They come from the
 * principal (ids the server made, enums, numbers), never from a request's text; a NUL,
 * which would end a simple query's text early, is refused rather than sent.
 */
export async function applySessionSettings(
  manager: Pick<EntityManager, 'query'>,
  principal: Principal,
  timeouts: TransactionTimeouts | undefined,
  options: { begin: 'START TRANSACTION' | 'START TRANSACTION READ ONLY' },
): Promise<void> {
  const settings: [string, string][] = [
    ['app.workspace_id', workspaceIdOf(principal) ?? ''],
    ['app.actor', actorLabel(principal)],
    ['app.platform', principal.kind === 'admin' || principal.kind === 'system' ? 'on' : 'off'],
    // A key or a provider sees its own environment's rows only (test never sees live, live never test).
    ['app.environment', environmentOf(principal) ?? ''],
  ];
  if (timeouts?.statementMs !== undefined) settings.push(['statement_timeout', String(timeouts.statementMs)]);
  if (timeouts?.lockMs !== undefined) settings.push(['lock_timeout', String(timeouts.lockMs)]);
  if (timeouts?.idleInTransactionMs !== undefined)
    settings.push(['idle_in_transaction_session_timeout', String(timeouts.idleInTransactionMs)]);
  await manager.query(
    `${options.begin}; SELECT ${settings.map(([name, value]) => `set_config(${literal(name)}, ${literal(value)}, true)`).join(', ')}`,
  );
}

/** A string as an SQL literal (pg's escapeLiteral); a NUL is refused: a simple query's text ends there. */
function literal(value: string): string {
  if (value.includes('\0')) throw new Error('a session setting holds a NUL character');
  return escapeLiteral(value);
}

/**
 * A statement that failed in node-postgres itself, before or while it was sent (a value it
 * could not serialise, a named statement's text reused), rather than with the server's
 * SQLSTATE. Such a failure can leave the driver's view of the connection wrong: a bind
 * value that throws makes pg close the named statement on the server while it keeps it as
 * parsed, and every later use of the name on that connection fails (26000).
 */
function failedInDriver(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const { code } = (error.driverError ?? {}) as { code?: unknown };
  return typeof code !== 'string';
}

/** Ends the query runner's connection: pg-pool removes an ending client on release instead of pooling it. */
function discardConnection(runner: QueryRunner): void {
  const client = (runner as unknown as { databaseConnection?: { end?: () => Promise<void> } }).databaseConnection;
  client?.end?.().catch(() => undefined);
}

/** Hears whether the transaction's connection failed (the server ended it, the socket broke) while it was held. */
class ConnectionWatch {
  lost?: unknown;
  private connection?: EventEmitter;
  private readonly onError = (error: unknown): void => {
    this.lost ??= error;
  };

  watch(manager: EntityManager): void {
    const connection = (manager.queryRunner as { databaseConnection?: unknown } | undefined)?.databaseConnection;
    if (!(connection instanceof EventEmitter)) return;
    this.connection = connection;
    connection.on('error', this.onError);
  }

  unwatch(): void {
    this.connection?.removeListener('error', this.onError);
    this.connection = undefined;
  }
}

function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
}
