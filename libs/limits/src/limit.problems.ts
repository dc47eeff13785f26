import { defineProblems } from '@ringfence/problems';

/** What the request limits and attempt budgets answer (docs/adr/0006-request-limits-and-redis.md). */
export const LimitProblems = defineProblems({
  /** Each occurrence names its delay (the exhausted limit's), sent as `Retry-After`. */
  RATE_LIMITED: { status: 429, detail: 'Too many attempts. Retry later.' },
  /**
   * The shared counters (Redis) cannot be reached: a limited route fails closed rather
   * than serve without its limit. Readiness reports the same outage.
   */
  RATE_LIMITS_UNAVAILABLE: {
    status: 503,
    detail: 'Request limits cannot be checked right now. Retry shortly.',
    retryAfterSeconds: 1,
    reportedState: true,
  },
});
