import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { REFUSED_REQUEST_LIMIT } from '@ringfence/access';
import { AttemptLimiter } from './attempt-limiter';
import { ClientIpLimit } from './client-ip-limit';
import { MemoryRateLimitStorage } from './memory-rate-limit.storage';
import { RATE_LIMIT_OPTIONS, RateLimitOptions } from './rate-limit.options';
import { WorkspaceLimit } from './workspace-limit';

/**
 * Every request limit: L1 per client address, L2 per key and workspace, and the
 * authentication attempt budgets, all counted in one ThrottlerStorage. In memory by
 * default; the application passes the Redis storage when REDIS_URL is set. The app
 * boundary charges them around the access gate (L1 → authentication → L2).
 */
@Global()
@Module({})
export class RateLimitsModule {
  static forRoot(
    options: RateLimitOptions,
    storage: Provider = { provide: ThrottlerStorage, useFactory: () => new MemoryRateLimitStorage() },
  ): DynamicModule {
    return {
      module: RateLimitsModule,
      providers: [
        { provide: RATE_LIMIT_OPTIONS, useValue: options },
        storage,
        AttemptLimiter,
        ClientIpLimit,
        WorkspaceLimit,
        { provide: REFUSED_REQUEST_LIMIT, useExisting: WorkspaceLimit },
      ],
      exports: [RATE_LIMIT_OPTIONS, ThrottlerStorage, AttemptLimiter, ClientIpLimit, WorkspaceLimit, REFUSED_REQUEST_LIMIT],
    };
  }
}
