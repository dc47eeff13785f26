import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@ringfence/access';
import { SkipRateLimits } from '@ringfence/limits';
import { JobRegistry } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { RedisHealthIndicator } from '../redis/redis.health';
import { HealthProblems } from './health.problems';
import { HealthStatusDto, ReadinessDto } from './health-status.dto';
import { MigrationsHealthIndicator } from './migrations.health';

/** How long each readiness check may take before it counts as failing: a probe is answered within it, whatever holds the database or Redis up. */
export const READY_CHECK_TIMEOUT_MS = 1500;

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  private inFlight?: Promise<string[]>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly jobs: JobRegistry,
  ) {}

  /** The process is up; touches nothing else. */
  // Probes come from the platform, often from one address: never limited, never failed closed.
  @Get('live')
  @SkipRateLimits()
  @ApiOkResponse({ type: HealthStatusDto })
  live(): HealthStatusDto {
    return { status: 'ok' };
  }

  /**
   * The database answers, every migration is applied, and Redis answers when it is
   * configured. Public and never limited, so concurrent probes share one check in
   * flight: a flood of them costs one database round trip at a time, not one each.
   * The answer lists the background jobs (last turn, duration, failures, last error
   * code): a job that keeps failing is visible here without taking the instance out of
   * the load balancer, which would not mend it (docs/adr/0012-background-jobs.md).
   */
  @Get('ready')
  @SkipRateLimits()
  @ApiOkResponse({ type: ReadinessDto })
  @ApiProblems(HealthProblems.NOT_READY)
  async ready(): Promise<ReadinessDto> {
    this.inFlight ??= this.failingChecks().finally(() => (this.inFlight = undefined));
    const failing = await this.inFlight;
    if (failing.length > 0) throw HealthProblems.NOT_READY({ detail: `Not ready: ${failing.join(', ')}.` });
    return { status: 'ok', jobs: this.jobs.status() };
  }

  /** The names of the failing checks; none when ready. */
  private async failingChecks(): Promise<string[]> {
    try {
      await this.health.check([
        this.bounded('database', () => this.database.pingCheck('database', { timeout: READY_CHECK_TIMEOUT_MS })),
        this.bounded('migrations', () => this.migrations.check('migrations')),
        ...(this.redis.configured ? [this.bounded('redis', () => this.redis.check('redis'))] : []),
      ]);
      return [];
    } catch (error) {
      // Terminus answers a failed check with a 503 whose body names the failing indicators.
      const report = error instanceof ServiceUnavailableException ? (error.getResponse() as Partial<HealthCheckResult>) : {};
      const failing = Object.keys(report.error ?? {});
      return failing.length > 0 ? failing : ['health check failed'];
    }
  }

  /** `check`, failing as `key` once READY_CHECK_TIMEOUT_MS has passed (what it waits on is bounded by its own timeouts). */
  private bounded(key: string, check: () => Promise<HealthIndicatorResult>): () => Promise<HealthIndicatorResult> {
    return () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<HealthIndicatorResult>((resolve) => {
        timer = setTimeout(() => resolve(this.indicator.check(key).down({ reason: 'timeout' })), READY_CHECK_TIMEOUT_MS);
      });
      return Promise.race([check(), late]).finally(() => clearTimeout(timer));
    };
  }
}
