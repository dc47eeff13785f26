import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnection } from './redis-connection';

/** When REDIS_URL is set, ready only while Redis answers: without it every limited route fails closed. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Optional() private readonly redis?: RedisConnection,
  ) {}

  get configured(): boolean {
    return this.redis !== undefined;
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      await this.redis?.commands.ping();
      return check.up();
    } catch {
      return check.down({ reason: 'unreachable' });
    }
  }
}
