import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import { RequestContext } from '@ringfence/tenancy';
import { LimitCharge, RateLimitGuard } from './rate-limit.guard';
import { RATE_LIMIT_OPTIONS, RateLimitOptions } from './rate-limit.options';

/**
 * L1, before authentication: requests per client address over a sliding minute. The
 * address is the request context's (the socket, or X-Forwarded-For from a trusted proxy
 * only); IPv6 addresses count per /64. Anonymous floods stop here, before any key
 * look-up or password hash. `@SkipRateLimits()` exempts a route (health probes).
 */
@Injectable()
export class ClientIpLimitGuard extends RateLimitGuard {
  protected readonly refusal = 'Too many requests from this address. Retry later.';

  constructor(
    @Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimitOptions,
    @Inject(ThrottlerStorage) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly context: RequestContext,
  ) {
    super(storage, reflector);
  }

  protected chargesFor(): readonly LimitCharge[] {
    return [{ key: `ip:${normalizeIp(this.context.clientIp ?? 'unknown')}`, limit: this.options.perClientIpPerMinute, stated: true }];
  }
}
