import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { RedisConnection } from './redis-connection';
import { RedisKeyRevocations } from './redis-key-revocations';
import { RedisRateLimitStorage } from './redis-rate-limit.storage';

/** Redis when REDIS_URL is set: shared limit counters and key revocations across instances. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(url: string, logger: Logger): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: RedisConnection, useFactory: () => new RedisConnection(url, logger.child({ context: 'Redis' })) }, RedisRateLimitStorage, RedisKeyRevocations],
      exports: [RedisConnection, RedisRateLimitStorage, RedisKeyRevocations],
    };
  }
}
