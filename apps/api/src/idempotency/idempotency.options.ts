export const IDEMPOTENCY_OPTIONS = Symbol('IDEMPOTENCY_OPTIONS');

export interface IdempotencyOptions {
  /** How long a key's answer is kept and replayed (IDEMPOTENCY_KEY_TTL_HOURS, at least 24). */
  readonly ttlHours: number;
}
