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
  /** The wait before attempt n + 1: up to firstMs · 2^(n-1), at most maxMs, the upper half of it at random. */
  readonly backoff: { readonly firstMs: number; readonly maxMs: number };
  /** Rows claimed together and delivered concurrently (each lease covers one delivery). */
  readonly batch: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A table descriptor, checked once: its names go into SQL as identifiers. */
export function defineOutboxTable<Payload extends object>(table: OutboxTable<Payload>): OutboxTable<Payload> {
  for (const name of [table.table, ...table.payloadColumns, ...table.clearedWhenFinished]) {
    if (!IDENTIFIER.test(name)) throw new Error(`outbox: ${JSON.stringify(name)} is not a plain lower-case SQL identifier`);
  }
  const whole = (value: number, least: number) => Number.isInteger(value) && value >= least;
  if (!whole(table.maxAttempts, 1) || !whole(table.leaseMs, 1000) || !whole(table.batch, 1) || !whole(table.backoff.firstMs, 1)) {
    throw new Error(`outbox ${table.table}: maxAttempts, batch and backoff.firstMs are whole and positive; leaseMs is at least 1000`);
  }
  if (table.backoff.maxMs < table.backoff.firstMs) throw new Error(`outbox ${table.table}: backoff.maxMs is below backoff.firstMs`);
  return Object.freeze({ ...table });
}

/** The wait before the attempt after `attempt` (1-based): exponential, bounded, jittered ("equal jitter": never under half). */
export function retryDelayMs(
  backoff: { readonly firstMs: number; readonly maxMs: number },
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}
