import { Injectable, Logger } from '@nestjs/common';
import { isReportedState } from '@ringfence/problems';
import { failureCodeOf } from '../failure-code';
import { sqlCount, sqlRows } from '../sql-rows';
import { UnitOfWork } from '../unit-of-work';
import { OutboxTable, retryDelayMs } from './outbox-table';

/** A claimed row: its id, which attempt this is (1-based) and its payload columns. */
export interface OutboxRow<Payload extends object> {
  readonly id: string;
  readonly attempt: number;
  readonly payload: Payload;
}

/** Work done in the recording transaction, only if the lease still held (an audit row, say). */
type RecordWork = () => Promise<void>;

/** What a delivery says happened; `errorCode` is a code or a class name, never a message. */
export type DeliveryOutcome =
  /** Delivered, or nothing is left to deliver: the row is finished as done. */
  | { readonly outcome: 'done'; readonly record?: RecordWork }
  /** Not delivered this time: tried again after a back-off, or finished as failed once the attempts are spent. */
  | { readonly outcome: 'retry'; readonly errorCode: string; readonly record?: RecordWork }
  /** Can never be delivered: finished as failed now. */
  | { readonly outcome: 'failed'; readonly errorCode: string; readonly record?: RecordWork };

/** What became of one claimed row. `lease-lost`: another worker claimed it again after this lease ran out, and its result stands. */
export type Recorded = 'done' | 'retry' | 'failed' | 'lease-lost';

export interface OutboxLease {
  /**
   * Runs `work` in a unit of work (the table's principal) that first locks the row and
   * checks that this claim still holds it; throws OutboxLeaseLost, running nothing, if not.
   * For database work a delivery must do before its I/O (issuing the token a mail carries).
   */
  holding<T>(work: () => Promise<T>): Promise<T>;
}

export type Deliver<Payload extends object> = (row: OutboxRow<Payload>, lease: OutboxLease) => Promise<DeliveryOutcome>;

/** One pass over what was due. `lastErrorCode`: the last failed delivery's. */
export interface OutboxPass {
  delivered: number;
  retried: number;
  failed: number;
  leaseLost: number;
  lastErrorCode?: string;
}

export class OutboxLeaseLost extends Error {
  constructor(table: string, id: string) {
    super(`${table} row ${id} was claimed again after this worker's lease ran out`);
    this.name = 'OutboxLeaseLost';
  }
}

export interface OutboxClaim<Payload extends object> {
  readonly row: OutboxRow<Payload>;
  readonly token: string;
}

/** The statements of one table, built once. */
interface OutboxSql {
  expire: string;
  claim: string;
  hold: string;
  done: string;
  retry: string;
  failed: string;
}

/**
 * Delivery that never does I/O inside a transaction. A pass claims due rows in a short
 * transaction (`FOR UPDATE SKIP LOCKED`: two workers never get the same row; each claim
 * takes a lease, a token and an attempt) and commits; delivers each row with no
 * transaction and no pooled connection held; then records the outcome in a second short
 * transaction that is a compare-and-set on the lease token, so the late result of a
 * worker whose lease ran out, and whose row another worker claimed again, is refused.
 * A failure backs off exponentially with jitter, up to the table's attempts; a finished
 * row keeps no payload. docs/adr/0012-background-jobs.md.
 */
@Injectable()
export class Outbox {
  private readonly logger = new Logger('Outbox');
  private readonly statements = new WeakMap<object, OutboxSql>();

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Claims and delivers until nothing is due or `signal` aborts (the application stops). */
  async deliverDue<Payload extends object>(
    table: OutboxTable<Payload>,
    deliver: Deliver<Payload>,
    signal?: AbortSignal,
  ): Promise<OutboxPass> {
    const pass: OutboxPass = { delivered: 0, retried: 0, failed: 0, leaseLost: 0 };
    while (!signal?.aborted) {
      const claims = await this.claim(table);
      if (claims.length === 0) break;
      const outcomes = await Promise.allSettled(claims.map((claim) => this.deliverOne(table, claim, deliver)));
      for (const settled of outcomes) {
        // The database went away mid-delivery: the row stays claimed until its lease runs out.
        if (settled.status === 'rejected') throw settled.reason;
        const { recorded, errorCode } = settled.value;
        if (recorded === 'done') pass.delivered += 1;
        else if (recorded === 'retry') pass.retried += 1;
        else if (recorded === 'failed') pass.failed += 1;
        else pass.leaseLost += 1;
        if (errorCode) pass.lastErrorCode = errorCode;
      }
    }
    return pass;
  }

  /** Claims up to `table.batch` due rows, and first finishes as failed the rows whose last attempt's lease ran out. */
  async claim<Payload extends object>(table: OutboxTable<Payload>): Promise<OutboxClaim<Payload>[]> {
    if (this.unitOfWork.active) throw new Error('an outbox claims outside any transaction: its deliveries must not run inside one');
    const sql = this.sqlOf(table);
    const rows = await this.unitOfWork.run(
      async () => {
        await this.unitOfWork.manager.query(sql.expire, [table.maxAttempts]);
        return sqlRows<Record<string, unknown> & { id: string; attempts: number; lease_token: string }>(
          this.unitOfWork.manager,
          sql.claim,
          [table.maxAttempts, table.batch, table.leaseMs / 1000],
        );
      },
      { principal: table.principal },
    );
    return rows.map(({ id, attempts, lease_token, ...payload }) => ({
      row: { id, attempt: attempts, payload: payload as Payload },
      token: lease_token,
    }));
  }

  /**
   * Records `outcome` for `claim` if its lease still holds (compare-and-set on the token),
   * with the outcome's own work in the same transaction; `lease-lost` otherwise.
   */
  async record<Payload extends object>(
    table: OutboxTable<Payload>,
    claim: OutboxClaim<Payload>,
    outcome: DeliveryOutcome,
  ): Promise<Recorded> {
    const sql = this.sqlOf(table);
    const { id, attempt } = claim.row;
    const finished: Exclude<Recorded, 'lease-lost'> =
      outcome.outcome === 'done' ? 'done' : outcome.outcome === 'failed' || attempt >= table.maxAttempts ? 'failed' : 'retry';
    const recorded = await this.unitOfWork.run(
      async (): Promise<Recorded> => {
        const manager = this.unitOfWork.manager;
        const touched =
          finished === 'done'
            ? await sqlCount(manager, sql.done, [id, claim.token])
            : finished === 'retry'
              ? await sqlCount(manager, sql.retry, [id, claim.token, errorCodeOf(outcome), retryDelayMs(table.backoff, attempt) / 1000])
              : await sqlCount(manager, sql.failed, [id, claim.token, errorCodeOf(outcome)]);
        if (touched === 0) return 'lease-lost';
        await outcome.record?.();
        return finished;
      },
      { principal: table.principal },
    );
    if (recorded === 'lease-lost')
      this.logger.warn({ table: table.table, id, attempt }, `${table.table}: a late result was refused (the row was claimed again)`);
    return recorded;
  }

  private async deliverOne<Payload extends object>(
    table: OutboxTable<Payload>,
    claim: OutboxClaim<Payload>,
    deliver: Deliver<Payload>,
  ): Promise<{ recorded: Recorded; errorCode?: string }> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliver(claim.row, this.leaseOf(table, claim));
    } catch (error) {
      if (error instanceof OutboxLeaseLost) return { recorded: 'lease-lost' };
      // The database's outage (reported by the unit of work), not the delivery's failure.
      if (isReportedState(error)) throw error;
      outcome = { outcome: 'retry', errorCode: failureCodeOf(error) };
    }
    const recorded = await this.record(table, claim, outcome);
    return { recorded, errorCode: outcome.outcome === 'done' ? undefined : outcome.errorCode };
  }

  private leaseOf<Payload extends object>(table: OutboxTable<Payload>, claim: OutboxClaim<Payload>): OutboxLease {
    const sql = this.sqlOf(table);
    return {
      holding: <T>(work: () => Promise<T>): Promise<T> =>
        this.unitOfWork.run(
          async () => {
            if ((await sqlCount(this.unitOfWork.manager, sql.hold, [claim.row.id, claim.token])) === 0)
              throw new OutboxLeaseLost(table.table, claim.row.id);
            return work();
          },
          { principal: table.principal },
        ),
    };
  }

  private sqlOf<Payload extends object>(table: OutboxTable<Payload>): OutboxSql {
    const known = this.statements.get(table);
    if (known) return known;
    const t = table.table;
    const clear = table.clearedWhenFinished.map((column) => `, ${column} = NULL`).join('');
    const release = 'claimed_until = NULL, lease_token = NULL';
    const mine = `WHERE id = $1 AND lease_token = $2 AND status = 'pending'`;
    const sql: OutboxSql = {
      expire: `UPDATE ${t} SET status = 'failed', finished_at = now(), ${release}, last_error = 'LEASE_EXPIRED'${clear}
                WHERE id IN (SELECT id FROM ${t} WHERE status = 'pending' AND attempts >= $1 AND claimed_until <= now() FOR UPDATE SKIP LOCKED)`,
      claim: `WITH due AS (
                SELECT id FROM ${t}
                 WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until <= now()) AND attempts < $1
                 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
              UPDATE ${t} AS claimed
                 SET attempts = claimed.attempts + 1, claimed_until = now() + make_interval(secs => $3), lease_token = gen_random_uuid()
                FROM due WHERE claimed.id = due.id
              RETURNING claimed.id, claimed.attempts, claimed.lease_token${table.payloadColumns.map((column) => `, claimed.${column}`).join('')}`,
      hold: `SELECT 1 FROM ${t} ${mine} FOR UPDATE`,
      done: `UPDATE ${t} SET status = 'done', finished_at = now(), ${release}, last_error = NULL${clear} ${mine} RETURNING 1`,
      retry: `UPDATE ${t} SET next_attempt_at = now() + make_interval(secs => $4), ${release}, last_error = $3 ${mine} RETURNING 1`,
      failed: `UPDATE ${t} SET status = 'failed', finished_at = now(), ${release}, last_error = $3${clear} ${mine} RETURNING 1`,
    };
    this.statements.set(table, sql);
    return sql;
  }
}

function errorCodeOf(outcome: DeliveryOutcome): string | null {
  return outcome.outcome === 'done' ? null : outcome.errorCode;
}
