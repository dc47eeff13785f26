import { DynamicModule, Global, Module } from '@nestjs/common';
import { RedisRateLimitStorage } from '@ringfence/limits';
import type { Logger } from 'pino';
import { RedisConnection } from './redis-connection';
import { RedisKeyRevocations } from './redis-key-revocations';

/** Redis when REDIS_URL is set: shared limit counters and key revocations across instances. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(url: string, logger: Logger): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: RedisConnection, useFactory: () => new RedisConnection(url, logger.child({ context: 'Redis' })) },
        {
          provide: RedisRateLimitStorage,
          inject: [RedisConnection],
          useFactory: (connection: RedisConnection) => new RedisRateLimitStorage(connection.commands),
        },
        RedisKeyRevocations,
      ],
      exports: [RedisConnection, RedisRateLimitStorage, RedisKeyRevocations],
    };
  }
}
