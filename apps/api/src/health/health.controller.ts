import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public, SkipRateLimits } from '@ringfence/auth';
import { RedisHealthIndicator } from '../redis/redis.health';
import { ProblemResponse } from '../openapi/problem.schema';
import { HealthStatusDto } from './health-status.dto';
import { MigrationsHealthIndicator } from './migrations.health';

@ApiTags('operations')
@Controller('health')
@Public()
// Probes come from the platform, often from one address: never limited, never failed closed.
@SkipRateLimits()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process is up; touches nothing else. */
  @Get('live')
  @ApiOkResponse({ type: HealthStatusDto })
  live(): HealthStatusDto {
    return { status: 'ok' };
  }

  /** The database answers, every migration is applied, and Redis answers when it is configured. */
  @Get('ready')
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: ProblemResponse })
  async ready(): Promise<HealthStatusDto> {
    try {
      await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1500 }),
        () => this.migrations.check('migrations'),
        ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      ]);
      return { status: 'ok' };
    } catch (error) {
      // Terminus answers a failed check with a 503 whose body names the failing indicators.
      const report = error instanceof ServiceUnavailableException ? (error.getResponse() as Partial<HealthCheckResult>) : {};
      const failing = Object.keys(report.error ?? {});
      throw new ServiceUnavailableException({
        code: 'NOT_READY',
        detail: `Not ready: ${failing.length > 0 ? failing.join(', ') : 'health check failed'}.`,
      });
    }
  }
}
