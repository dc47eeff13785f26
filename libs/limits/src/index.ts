export { ATTEMPT_BUDGETS, AttemptLimiter, type AttemptBudget } from './attempt-limiter';
export { ClientIpLimit } from './client-ip-limit';
export { ExpiringMap } from './expiring-map';
export { MemoryRateLimitStorage } from './memory-rate-limit.storage';
export {
  catalogueProblems,
  DEFAULT_PLAN,
  DEFAULT_PLANS,
  PLAN_NAME,
  planLimitsOf,
  type PlanCatalogue,
  type PlanLimits,
} from './rate-limit-plans';
export { LimitProblems } from './limit.problems';
export { SKIP_RATE_LIMITS, SkipRateLimits, skipsRateLimits, stateLimit, type LimitHit } from './request-limit';
export { RATE_LIMIT_OPTIONS, type RateLimitOptions } from './rate-limit.options';
export { RateLimitsModule } from './rate-limits.module';
export { RedisRateLimitStorage } from './redis-rate-limit.storage';
export { toThrottlerRecord, type ThrottlerStorageRecord } from './sliding-window';
export { WorkspaceLimit } from './workspace-limit';
