import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Principal, RequestContext } from '@ringfence/tenancy';
import { RATE_LIMIT_WINDOW_MS, RateLimitGuard } from './rate-limit.guard';
import { DEFAULT_PLAN, PlanLimits } from './rate-limit-plans';
import { RATE_LIMIT_OPTIONS, RateLimitOptions } from './rate-limit.options';

type KeyPrincipal = Extract<Principal, { kind: 'api_key' }>;

/**
 * L2, after authentication: requests per API key and per workspace over a sliding
 * minute, by the workspace's plan. Test keys count in their own workspace bucket, so
 * test traffic never spends the live quota. The per-key limit drives the standard
 * `RateLimit-*` headers; either limit answers 429 with `Retry-After`.
 */
@Injectable()
export class WorkspaceLimitGuard extends RateLimitGuard {
  protected readonly refusal = 'Too many requests for this key or workspace. Retry later.';

  constructor(
    @Inject(RATE_LIMIT_OPTIONS) options: RateLimitOptions,
    @Inject(ThrottlerStorage) storage: ThrottlerStorage,
    reflector: Reflector,
    context: RequestContext,
  ) {
    const caller = (): KeyPrincipal => context.principal as KeyPrincipal;
    const limits = (): PlanLimits => options.plans[caller().plan] ?? options.plans[DEFAULT_PLAN]!;
    super(
      {
        throttlers: [
          {
            name: 'default',
            ttl: RATE_LIMIT_WINDOW_MS,
            blockDuration: 0,
            limit: () => limits().perKeyPerMinute,
            getTracker: () => `key:${caller().keyId}`,
          },
          {
            name: 'workspace',
            ttl: RATE_LIMIT_WINDOW_MS,
            blockDuration: 0,
            limit: () => limits().perWorkspacePerMinute,
            getTracker: () => `workspace:${caller().environment}:${caller().workspaceId}`,
            setHeaders: false,
          },
        ],
        skipIf: () => context.principal.kind !== 'api_key',
        generateKey: (_execution, tracker) => tracker,
      },
      storage,
      reflector,
    );
  }
}
