import { Injectable } from '@nestjs/common';
import { DEFAULT_PLAN, planLimitsOf } from './rate-limit-plans';
import { LimitCharge, RequestLimit } from './request-limit';

/**
 * L2, after authentication: requests per API key and per workspace over a sliding
 * minute, by the workspace's plan. Test keys count in their own workspace bucket, so
 * test traffic never spends the live quota. The per-key limit drives the standard
 * `RateLimit` and `RateLimit-Policy` headers; either limit answers 429 with `Retry-After`.
 */
const NONE: readonly LimitCharge[] = [];

@Injectable()
export class WorkspaceLimit extends RequestLimit {
  protected readonly refusal = 'Too many requests for this key or workspace. Retry later.';

  /**
   * A key's charges by its principal object: the verified-key cache hands the same object
   * to every request of a key until it is looked up again, so they are built once per
   * look-up, not per request (the plan catalogue is fixed at boot).
   */
  private readonly charges = new WeakMap<object, readonly LimitCharge[]>();

  protected chargesFor(): readonly LimitCharge[] {
    const caller = this.context.principal;
    if (caller.kind !== 'api_key') return NONE;
    let charges = this.charges.get(caller);
    if (!charges) {
      const plan = planLimitsOf(this.options.plans, caller.plan) ?? this.options.plans[DEFAULT_PLAN]!;
      charges = [
        { key: `key:${caller.keyId}`, limit: plan.perKeyPerMinute, policy: 'key', stated: true },
        {
          key: `workspace:${caller.environment}:${caller.workspaceId}`,
          limit: plan.perWorkspacePerMinute,
          policy: 'workspace',
          stated: false,
        },
      ];
      this.charges.set(caller, charges);
    }
    return charges;
  }
}
