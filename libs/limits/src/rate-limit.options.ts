import type { PlanCatalogue } from './rate-limit-plans';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');

export interface RateLimitOptions {
  /** L1: requests per client address (behind trusted proxies only) and sliding minute, before authentication. */
  readonly perClientIpPerMinute: number;
  /** L2: the plans' limits per key and per workspace, after authentication. */
  readonly plans: PlanCatalogue;
}
