import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { actorLabel, Principal, workspaceIdOf } from './principal';
import { newContextStore, RequestContext, RequestContextStore } from './request-context';

/**
 * One database transaction and the context that can see it. Services and repositories
 * use `manager`: inside a unit of work it is the transaction's EntityManager, so every
 * write (the audit row included) commits or rolls back together.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
  ) {}

  /** The open transaction's manager, else the pool's (no RLS settings: sees no tenant rows). */
  get manager(): EntityManager {
    return this.context.store?.manager ?? this.dataSource.manager;
  }

  get active(): boolean {
    return this.context.store?.manager !== undefined;
  }

  /**
   * Reads in the open unit of work, or else in a new read-only one with the RLS settings:
   * what a GET handler uses (only mutations get a request transaction, from `@Audited`).
   */
  read<T>(work: () => Promise<T>): Promise<T> {
    return this.active ? work() : this.run(work, { readOnly: true });
  }

  /**
   * Runs `work` in a new transaction whose first statement sets `app.workspace_id`,
   * `app.actor` and, for admins and the system only, `app.platform`. The acting principal is the
   * context's unless one is given (workers, security events).
   */
  async run<T>(work: () => Promise<T>, options: { readOnly?: boolean; principal?: Principal } = {}): Promise<T> {
    const outer = this.context.store;
    const principal = options.principal ?? outer?.principal ?? newContextStore().principal;
    const afterCommit: (() => void)[] = [];
    const afterTransaction: (() => Promise<void>)[] = [];
    let result: T;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        if (options.readOnly) await manager.query('SET TRANSACTION READ ONLY');
        await applySessionSettings(manager, principal);
        const store = { ...(outer ?? newContextStore()), principal, manager, afterCommit, afterTransaction };
        return RequestContext.run(store, work);
      });
    } catch (error) {
      if (afterTransaction.length > 0) await this.settle(afterTransaction, outer, error);
      throw error;
    }
    for (const callback of afterCommit) callback();
    // Most units of work queue nothing: they pay no extra await.
    if (afterTransaction.length > 0) await this.settle(afterTransaction, outer);
    return result;
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

/** The settings row-level security reads; transaction-local (`set_config(..., true)`). */
export async function applySessionSettings(manager: Pick<EntityManager, 'query'>, principal: Principal): Promise<void> {
  await manager.query(
    `SELECT set_config('app.workspace_id', $1, true), set_config('app.actor', $2, true), set_config('app.platform', $3, true),
            set_config('app.environment', $4, true)`,
    [
      workspaceIdOf(principal) ?? '',
      actorLabel(principal),
      principal.kind === 'admin' || principal.kind === 'system' ? 'on' : 'off',
      // A key sees its own environment's rows only (test never sees live, live never test).
      principal.kind === 'api_key' ? principal.environment : '',
    ],
  );
}
