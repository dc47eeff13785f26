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

/**
 * What a delivery says happened; `errorCode` is a code or a class name, never a message.
 * `detail` is handed, with the others of its batch, to the pass's `afterRecords`.
 */
export type DeliveryOutcome<Detail = never> =
  /** Delivered, or nothing is left to deliver: the row is finished as done. */
  | { readonly outcome: 'done'; readonly record?: RecordWork; readonly detail?: Detail }
  /**
   * Not delivered this time: tried again after the back-off (or after `notBeforeMs`, when the
   * other side asked for longer), or finished as failed once the attempts are spent.
   */
  | {
      readonly outcome: 'retry';
      readonly errorCode: string;
      readonly notBeforeMs?: number;
      readonly record?: RecordWork;
      readonly detail?: Detail;
    }
  /** Can never be delivered: finished as failed now. */
  | { readonly outcome: 'failed'; readonly errorCode: string; readonly record?: RecordWork; readonly detail?: Detail };

/** What became of one claimed row. `lease-lost`: another worker claimed it again after this lease ran out, and its result stands. */
export type Recorded = 'done' | 'retry' | 'failed' | 'lease-lost';

/** A row whose outcome was recorded (its lease held), as `afterRecords` sees it. */
export interface RecordedDelivery<Payload extends object, Detail> {
  readonly row: OutboxRow<Payload>;
  readonly outcome: DeliveryOutcome<Detail>;
  readonly recorded: Exclude<Recorded, 'lease-lost'>;
}

/** How a pass runs beyond its table. */
export interface OutboxPassOptions<Payload extends object, Detail> {
  /** Stops claiming when it aborts (the application stops); rows in flight are finished and recorded. */
  readonly signal?: AbortSignal;
  /** Runs in each recording transaction, after the compare-and-set, with the rows it recorded (one statement for a batch). */
  readonly afterRecords?: (recorded: readonly RecordedDelivery<Payload, Detail>[]) => Promise<void>;
  /** While rows are in flight and nothing was due, how often to look again (default 1 s). */
  readonly pollMs?: number;
}

export interface OutboxLease {
  /**
   * Runs `work` in a unit of work (the table's principal) that first locks the row and
   * checks that this claim still holds it; throws OutboxLeaseLost, running nothing, if not.
   * For database work a delivery must do before its I/O (issuing the token a mail carries).
   */
  holding<T>(work: () => Promise<T>): Promise<T>;
}

export type Deliver<Payload extends object, Detail = never> = (
  row: OutboxRow<Payload>,
  lease: OutboxLease,
) => Promise<DeliveryOutcome<Detail>>;

/** One pass over what was due. `lastErrorCode`: the last failed delivery's. */
export interface OutboxPass {
  delivered: number;
  retried: number;
  failed: number;
  leaseLost: number;
  /** Outcomes whose recording failed even alone: their rows stay claimed until their leases run out, then are claimed again. */
  unrecorded?: number;
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
  /** With a group: locks the groups with due rows that no other claim holds (the claim's first statement). */
  lockGroups?: string;
  claim: string;
  anyDue: string;
  hold: string;
  done: string;
  retry: string;
  failed: string;
}

const LEASE_LOST = Symbol('lease-lost');
/** The first wait after a claim that found nothing while rows were due; it doubles, up to the pass's pollMs. */
const CONTENDED_FIRST_WAIT_MS = 10;
/**
 * How often a pass finishes the rows whose last attempt's lease ran out (its first claim, then
 * at most this often): the statement reads every pending row, and such rows are rare (a worker
 * that died on a last attempt) and only wait a few seconds more.
 */
const EXPIRE_EVERY_MS = 5000;

/**
 * Delivery that never does I/O inside a transaction. A pass claims due rows in a short
 * transaction (`FOR UPDATE SKIP LOCKED`: two workers never get the same row; each claim
 * takes a lease, a token and an attempt) and commits; delivers each row with no
 * transaction and no pooled connection held; then records the outcomes in a second short
 * transaction that is a compare-and-set on each lease token, so the late result of a
 * worker whose lease ran out, and whose row another worker claimed again, is refused.
 * A failure backs off (exponentially or on a schedule, with jitter), up to the table's
 * attempts; a finished row keeps no payload.
 *
 * A pass keeps up to `table.batch` rows in flight: as deliveries finish it records them
 * together and claims again, so one slow delivery never holds back the rows behind it;
 * with `table.group`, claims are fair across groups (docs/adr/0012, docs/adr/0021).
 */
@Injectable()
export class Outbox {
  private readonly logger = new Logger('Outbox');
  private readonly statements = new WeakMap<object, OutboxSql>();

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Claims and delivers until nothing is due and nothing is in flight, or `signal` aborts. */
  async deliverDue<Payload extends object, Detail = never>(
    table: OutboxTable<Payload>,
    deliver: Deliver<Payload, Detail>,
    signalOrOptions?: AbortSignal | OutboxPassOptions<Payload, Detail>,
  ): Promise<OutboxPass> {
    const options: OutboxPassOptions<Payload, Detail> =
      signalOrOptions === undefined || isAbortSignal(signalOrOptions) ? { signal: signalOrOptions } : signalOrOptions;
    const { signal } = options;
    const pollMs = options.pollMs ?? 1000;
    const pass: OutboxPass = { delivered: 0, retried: 0, failed: 0, leaseLost: 0 };
    const inFlight = new Set<Promise<void>>();
    let settled: { claim: OutboxClaim<Payload>; outcome: DeliveryOutcome<Detail> }[] = [];
    let failure: { error: unknown } | undefined;
    let wake!: () => void;
    let woken = new Promise<void>((resolve) => (wake = resolve));
    // Nothing was due at the last claim: look again when a delivery finishes or after pollMs.
    let drained = false;
    // The last claims found nothing although rows were due (another worker's claim held them): wait this long, then claim again.
    let contendedMs = 0;
    let expiredAt = -Infinity;

    const start = (claim: OutboxClaim<Payload>) => {
      const delivery = this.deliverOne(table, claim, deliver)
        .then(
          (outcome) => {
            if (outcome === LEASE_LOST) pass.leaseLost += 1;
            else settled.push({ claim, outcome });
          },
          // The database went away mid-delivery: the row stays claimed until its lease runs out.
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(() => {
          inFlight.delete(delivery);
          drained = false;
          wake();
        });
      inFlight.add(delivery);
    };
    const flush = async () => {
      if (settled.length === 0) return;
      const batch = settled;
      settled = [];
      const recorded = await this.recordIsolating(table, batch, options.afterRecords);
      recorded.forEach((result, index) => {
        const { outcome } = batch[index]!;
        if (result === 'unrecorded') {
          pass.unrecorded = (pass.unrecorded ?? 0) + 1;
          pass.lastErrorCode = 'RECORD_FAILED';
          return;
        }
        if (result === 'done') pass.delivered += 1;
        else if (result === 'retry') pass.retried += 1;
        else if (result === 'failed') pass.failed += 1;
        else pass.leaseLost += 1;
        if (outcome.outcome !== 'done') pass.lastErrorCode = outcome.errorCode;
      });
    };

    try {
      for (;;) {
        if (failure) break;
        const room = table.batch - inFlight.size;
        // Claims are batched: a new one once a quarter of the slots are free, or none is busy.
        const claimNow = !signal?.aborted && !drained && room > 0 && (inFlight.size === 0 || room * 4 >= table.batch);
        if (claimNow || inFlight.size === 0 || settled.length * 4 >= table.batch) await flush();
        if (claimNow) {
          // The spent leases are looked for at the pass's first claim and every few seconds after, not at every claim.
          const expire = Date.now() - expiredAt >= EXPIRE_EVERY_MS;
          if (expire) expiredAt = Date.now();
          const claims = await this.claim(table, room, { expire });
          claims.forEach(start);
          drained = claims.length === 0;
          if (!drained) contendedMs = 0;
          continue;
        }
        if (inFlight.size === 0) {
          if (settled.length > 0) continue;
          // A claim finds nothing while another worker's claim holds the due rows' groups
          // (SKIP LOCKED) or their groups are at their limit: the pass goes on, shortly, while
          // rows are due; it ends when none is.
          if (signal?.aborted || !(await this.anyDue(table))) break;
          contendedMs = Math.min(pollMs, Math.max(CONTENDED_FIRST_WAIT_MS, contendedMs * 2));
          await new Promise((resolve) => setTimeout(resolve, contendedMs));
          drained = false;
          continue;
        }
        const timer = drained ? setTimeout(() => ((drained = false), wake()), pollMs) : undefined;
        await woken;
        clearTimeout(timer);
        woken = new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      await Promise.allSettled([...inFlight]);
    }
    await flush();
    if (failure) throw failure.error;
    return pass;
  }

  /**
   * Claims up to `limit` (the table's batch) due rows, and first finishes as failed the rows
   * whose last attempt's lease ran out (unless `expire` is false). With a group, fairly across groups (OutboxGroup).
   */
  async claim<Payload extends object>(
    table: OutboxTable<Payload>,
    limit: number = table.batch,
    { expire = true }: { expire?: boolean } = {},
  ): Promise<OutboxClaim<Payload>[]> {
    if (this.unitOfWork.active) throw new Error('an outbox claims outside any transaction: its deliveries must not run inside one');
    const sql = this.sqlOf(table);
    const parameters: unknown[] = [table.maxAttempts, Math.min(limit, table.batch), table.leaseMs / 1000];
    const rows = await this.unitOfWork.run(
      async () => {
        const manager = this.unitOfWork.manager;
        if (expire) await manager.query(sql.expire, [table.maxAttempts]);
        if (table.group && sql.lockGroups) {
          // The groups are locked by a statement of their own: the claim's statement, run after
          // it, takes its snapshot once the locks are held, so it counts the rows in flight that
          // the group's previous holder committed. (In one statement, a snapshot taken before
          // that holder's commit counted none of its claims, and the limit was exceeded.)
          const groups = await sqlRows<{ id: string }>(manager, sql.lockGroups, [table.maxAttempts]);
          if (groups.length === 0) return [];
          parameters.push(
            table.group.inFlight,
            groups.map((group) => group.id),
          );
        }
        return sqlRows<Record<string, unknown> & { id: string; attempts: number; lease_token: string }>(manager, sql.claim, parameters);
      },
      { principal: table.principal },
    );
    return rows.map(({ id, attempts, lease_token, ...payload }) => ({
      row: { id, attempt: attempts, payload: payload as Payload },
      token: lease_token,
    }));
  }

  /** Whether any row is due (a claim that found none may have met another worker's claim). */
  private async anyDue<Payload extends object>(table: OutboxTable<Payload>): Promise<boolean> {
    const sql = this.sqlOf(table);
    const [row] = await this.unitOfWork.run(() => sqlRows<{ due: boolean }>(this.unitOfWork.manager, sql.anyDue, [table.maxAttempts]), {
      principal: table.principal,
    });
    return row?.due === true;
  }

  /**
   * Records `outcome` for `claim` if its lease still holds (compare-and-set on the token),
   * with the outcome's own work in the same transaction; `lease-lost` otherwise.
   */
  async record<Payload extends object, Detail = never>(
    table: OutboxTable<Payload>,
    claim: OutboxClaim<Payload>,
    outcome: DeliveryOutcome<Detail>,
  ): Promise<Recorded> {
    const [recorded] = await this.recordMany(table, [{ claim, outcome }]);
    return recorded!;
  }

  /**
   * Records a batch of outcomes in one transaction: one compare-and-set statement per kind
   * of outcome, then each held row's own work, then `afterRecords` with the held rows.
   * Returns what became of each, in order.
   */
  async recordMany<Payload extends object, Detail = never>(
    table: OutboxTable<Payload>,
    items: readonly { claim: OutboxClaim<Payload>; outcome: DeliveryOutcome<Detail> }[],
    afterRecords?: OutboxPassOptions<Payload, Detail>['afterRecords'],
  ): Promise<Recorded[]> {
    const sql = this.sqlOf(table);
    const finished = items.map(({ claim, outcome }): Exclude<Recorded, 'lease-lost'> =>
      outcome.outcome === 'done' ? 'done' : outcome.outcome === 'failed' || claim.row.attempt >= table.maxAttempts ? 'failed' : 'retry',
    );
    const recorded = await this.unitOfWork.run(
      async (): Promise<Recorded[]> => {
        const manager = this.unitOfWork.manager;
        const held = new Set<string>();
        const run = async (kind: Exclude<Recorded, 'lease-lost'>, statement: string, extra: (index: number) => unknown[]) => {
          const indexes = finished.flatMap((result, index) => (result === kind ? [index] : []));
          if (indexes.length === 0) return;
          const columns: unknown[][] = [indexes.map((i) => items[i]!.claim.row.id), indexes.map((i) => items[i]!.claim.token)];
          for (const i of indexes) extra(i).forEach((value, column) => (columns[2 + column] ??= []).push(value));
          for (const row of await sqlRows<{ id: string }>(manager, statement, columns)) held.add(row.id);
        };
        await run('done', sql.done, () => []);
        await run('retry', sql.retry, (i) => {
          const { claim, outcome } = items[i]!;
          const backoff = retryDelayMs(table.backoff, claim.row.attempt);
          const notBefore = outcome.outcome === 'retry' ? (outcome.notBeforeMs ?? 0) : 0;
          return [errorCodeOf(outcome), Math.max(backoff, notBefore) / 1000];
        });
        await run('failed', sql.failed, (i) => [errorCodeOf(items[i]!.outcome)]);
        const results = items.map(({ claim }, index): Recorded => (held.has(claim.row.id) ? finished[index]! : 'lease-lost'));
        const kept: RecordedDelivery<Payload, Detail>[] = [];
        for (const [index, { claim, outcome }] of items.entries()) {
          const result = results[index]!;
          if (result === 'lease-lost') continue;
          await outcome.record?.();
          kept.push({ row: claim.row, outcome, recorded: result });
        }
        if (kept.length > 0) await afterRecords?.(kept);
        return results;
      },
      { principal: table.principal },
    );
    recorded.forEach((result, index) => {
      if (result !== 'lease-lost') return;
      const { id, attempt } = items[index]!.claim.row;
      this.logger.warn({ table: table.table, id, attempt }, `${table.table}: a late result was refused (the row was claimed again)`);
    });
    return recorded;
  }

  /**
   * `recordMany`, and if the batch's transaction fails (not the database's outage), each
   * outcome alone: one row the database refuses never holds back the others of its batch,
   * whoever they belong to. One that fails alone too is left claimed (`unrecorded`).
   */
  private async recordIsolating<Payload extends object, Detail>(
    table: OutboxTable<Payload>,
    items: readonly { claim: OutboxClaim<Payload>; outcome: DeliveryOutcome<Detail> }[],
    afterRecords?: OutboxPassOptions<Payload, Detail>['afterRecords'],
  ): Promise<(Recorded | 'unrecorded')[]> {
    try {
      return await this.recordMany(table, items, afterRecords);
    } catch (error) {
      if (isReportedState(error)) throw error;
      if (items.length === 1) {
        this.logger.error(
          { table: table.table, id: items[0]!.claim.row.id, failure: failureCodeOf(error) },
          `${table.table}: an outcome could not be recorded; the row is claimed again once its lease runs out`,
        );
        return ['unrecorded'];
      }
    }
    const results: (Recorded | 'unrecorded')[] = [];
    for (const item of items) results.push(...(await this.recordIsolating(table, [item], afterRecords)));
    return results;
  }

  private async deliverOne<Payload extends object, Detail>(
    table: OutboxTable<Payload>,
    claim: OutboxClaim<Payload>,
    deliver: Deliver<Payload, Detail>,
  ): Promise<DeliveryOutcome<Detail> | typeof LEASE_LOST> {
    try {
      return await deliver(claim.row, this.leaseOf(table, claim));
    } catch (error) {
      if (error instanceof OutboxLeaseLost) return LEASE_LOST;
      // The database's outage (reported by the unit of work), not the delivery's failure.
      if (isReportedState(error)) throw error;
      return { outcome: 'retry', errorCode: failureCodeOf(error) };
    }
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
    const batch = (
      columns: string,
    ) => `FROM unnest(${columns}) AS x(id, token${columns.includes('$4') ? ', error, delay' : columns.includes('$3') ? ', error' : ''})
      WHERE ${t}.id = x.id AND ${t}.lease_token = x.token AND ${t}.status = 'pending' RETURNING ${t}.id`;
    const due = (alias: string) =>
      `${alias}.status = 'pending' AND ${alias}.next_attempt_at <= now() AND (${alias}.claimed_until IS NULL OR ${alias}.claimed_until <= now()) AND ${alias}.attempts < $1`;
    const returned = `RETURNING claimed.id, claimed.attempts, claimed.lease_token${table.payloadColumns.map((column) => `, claimed.${column}`).join('')}`;
    const take = `UPDATE ${t} AS claimed
                 SET attempts = claimed.attempts + 1, claimed_until = now() + make_interval(secs => $3), lease_token = gen_random_uuid()`;
    const group = table.group;
    const lockGroups = group
      ? `SELECT g.id FROM ${group.table} g
          WHERE ${group.enabledColumn ? `g.${group.enabledColumn} AND ` : ''}EXISTS (SELECT 1 FROM ${t} d WHERE d.${group.column} = g.id AND ${due('d')})
          FOR NO KEY UPDATE SKIP LOCKED`
      : undefined;
    const claim = group
      ? `WITH groups AS (SELECT unnest($5::uuid[]) AS id),
         picked AS (
           SELECT p.id FROM groups
           CROSS JOIN LATERAL (SELECT count(*)::int AS busy FROM ${t} b
                                WHERE b.${group.column} = groups.id AND b.status = 'pending' AND b.claimed_until IS NOT NULL AND b.claimed_until > now()) AS busy
           CROSS JOIN LATERAL (
             SELECT o.id, o.next_attempt_at, row_number() OVER (ORDER BY o.next_attempt_at) AS turn FROM (
               SELECT d.id, d.next_attempt_at FROM ${t} d WHERE d.${group.column} = groups.id AND ${due('d')}
                ORDER BY d.next_attempt_at LIMIT GREATEST(0, $4 - busy.busy) FOR UPDATE SKIP LOCKED) AS o) AS p
           ORDER BY p.turn, p.next_attempt_at LIMIT $2)
         ${take}
           FROM picked, ${group.table} AS g
          WHERE claimed.id = picked.id AND g.id = claimed.${group.column}
         ${returned}${group.columns.map((column) => `, g.${column} AS group_${column}`).join('')}`
      : `WITH due AS (
           SELECT id FROM ${t} d WHERE ${due('d')} ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         ${take}
           FROM due WHERE claimed.id = due.id
         ${returned}`;
    const anyDue = group
      ? `SELECT EXISTS (SELECT 1 FROM ${t} d JOIN ${group.table} g ON g.id = d.${group.column}${group.enabledColumn ? ` AND g.${group.enabledColumn}` : ''}
                          WHERE ${due('d')}) AS due`
      : `SELECT EXISTS (SELECT 1 FROM ${t} d WHERE ${due('d')}) AS due`;
    const sql: OutboxSql = {
      ...(lockGroups ? { lockGroups } : {}),
      anyDue,
      expire: `UPDATE ${t} SET status = 'failed', finished_at = now(), ${release}, last_error = 'LEASE_EXPIRED'${clear}
                WHERE id IN (SELECT id FROM ${t} WHERE status = 'pending' AND attempts >= $1 AND claimed_until <= now() FOR UPDATE SKIP LOCKED)`,
      claim,
      hold: `SELECT 1 FROM ${t} ${mine} FOR UPDATE`,
      done: `UPDATE ${t} SET status = 'done', finished_at = now(), ${release}, last_error = NULL${clear} ${batch('$1::uuid[], $2::uuid[]')}`,
      retry: `UPDATE ${t} SET next_attempt_at = now() + make_interval(secs => x.delay), ${release}, last_error = x.error
                ${batch('$1::uuid[], $2::uuid[], $3::text[], $4::float8[]')}`,
      failed: `UPDATE ${t} SET status = 'failed', finished_at = now(), ${release}, last_error = x.error${clear}
                ${batch('$1::uuid[], $2::uuid[], $3::text[]')}`,
    };
    this.statements.set(table, sql);
    return sql;
  }
}

function errorCodeOf(outcome: DeliveryOutcome<unknown>): string | null {
  return outcome.outcome === 'done' ? null : outcome.errorCode;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && 'aborted' in value && 'addEventListener' in value;
}
