import type { Principal } from '../principal';

/**
 * A table of work to deliver (mail, webhooks), as the Outbox reads it. Besides its payload
 * columns it has the lease columns of migration 0009's mail_outbox: `id uuid`, `status`
 * ('pending', 'done', 'failed'), `attempts`, `next_attempt_at`, `claimed_until`,
 * `lease_token uuid`, `finished_at`, `last_error`.
 *
 * `Payload` types the payload columns a claim returns, by column name.
 */
export interface OutboxTable<Payload extends object> {
  readonly table: string;
  /** Returned with each claimed row (its payload). */
  readonly payloadColumns: readonly (keyof Payload & string)[];
  /** Set to NULL when a row is finished, done or failed: a secret payload does not outlive its delivery. */
  readonly clearedWhenFinished: readonly (keyof Payload & string)[];
  /** Who claims and records (a system principal: the platform path of row-level security). */
  readonly principal: Principal;
  /** Attempts in all, counted as each claim is made (a crash mid-delivery spends one). */
  readonly maxAttempts: number;
  /** How long a claim holds a row: longer than a delivery can take, or another worker delivers it again. */
  readonly leaseMs: number;
  /** The wait before attempt n + 1 (see `OutboxBackoff`). */
  readonly backoff: OutboxBackoff;
  /** Rows in flight at once in one worker (each lease covers one delivery); claims and records are batched up to it. */
  readonly batch: number;
  /** Fair claiming across the groups rows belong to (a webhook's endpoints); none: oldest due first. */
  readonly group?: OutboxGroup;
}

/**
 * Either exponential (up to firstMs · 2^(n-1), at most maxMs, the upper half of it at
 * random: "equal jitter"), or a schedule: the wait before attempt n + 1 is `scheduleMs[n-1]`
 * (its last entry thereafter), plus up to `jitter` of it at random (never sooner).
 */
export type OutboxBackoff =
  { readonly firstMs: number; readonly maxMs: number } | { readonly scheduleMs: readonly number[]; readonly jitter: number };

/**
 * The rows of one group (a webhook endpoint) are claimed together: a claim takes from each
 * group with due rows at most `inFlight` less those it already has in flight (across every
 * worker), its rows round-robin with the other groups', so one slow or dead group never holds
 * more than `inFlight` of anyone's slots and never starves the others. A claim locks the
 * group's row (`FOR NO KEY UPDATE SKIP LOCKED`): two workers never claim one group at once, so
 * the limit holds across workers.
 */
export interface OutboxGroup {
  /** The groups' table; its primary key is `id`. */
  readonly table: string;
  /** The outbox's column naming a row's group. */
  readonly column: string;
  /** Rows of one group in flight at once, across every worker. */
  readonly inFlight: number;
  /** A boolean column of the group: rows of a group where it is false are not claimed. */
  readonly enabledColumn?: string;
  /** The group's columns returned with each claimed row, in its payload as `group_<column>`. */
  readonly columns: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A table descriptor, checked once: its names go into SQL as identifiers. */
export function defineOutboxTable<Payload extends object>(table: OutboxTable<Payload>): OutboxTable<Payload> {
  const group = table.group;
  const groupNames = group ? [group.table, group.column, ...group.columns, ...(group.enabledColumn ? [group.enabledColumn] : [])] : [];
  for (const name of [table.table, ...table.payloadColumns, ...table.clearedWhenFinished, ...groupNames]) {
    if (!IDENTIFIER.test(name)) throw new Error(`outbox: ${JSON.stringify(name)} is not a plain lower-case SQL identifier`);
  }
  const whole = (value: number, least: number) => Number.isInteger(value) && value >= least;
  if (!whole(table.maxAttempts, 1) || !whole(table.leaseMs, 1000) || !whole(table.batch, 1)) {
    throw new Error(`outbox ${table.table}: maxAttempts and batch are whole and positive; leaseMs is at least 1000`);
  }
  const backoff = table.backoff;
  if ('scheduleMs' in backoff) {
    if (
      backoff.scheduleMs.length === 0 ||
      !backoff.scheduleMs.every((ms) => whole(ms, 0)) ||
      !(backoff.jitter >= 0 && backoff.jitter <= 1)
    ) {
      throw new Error(`outbox ${table.table}: backoff.scheduleMs is a non-empty list of whole milliseconds, and jitter within [0, 1]`);
    }
  } else {
    if (!whole(backoff.firstMs, 1)) throw new Error(`outbox ${table.table}: backoff.firstMs is whole and positive`);
    if (backoff.maxMs < backoff.firstMs) throw new Error(`outbox ${table.table}: backoff.maxMs is below backoff.firstMs`);
  }
  if (group && !whole(group.inFlight, 1)) throw new Error(`outbox ${table.table}: group.inFlight is whole and positive`);
  return Object.freeze({ ...table });
}

/** The wait before the attempt after `attempt` (1-based), as `backoff` says; jittered, never sooner than it says. */
export function retryDelayMs(backoff: OutboxBackoff, attempt: number, random: () => number = Math.random): number {
  if ('scheduleMs' in backoff) {
    const base = backoff.scheduleMs[Math.min(Math.max(1, attempt), backoff.scheduleMs.length) - 1]!;
    return base + random() * backoff.jitter * base;
  }
  const ceiling = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}
