import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '@ringfence/access';
import { SkipRateLimits } from '@ringfence/limits';
import { JobRegistry, jobPrincipal, UnitOfWork } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { RedisHealthIndicator } from '../redis/redis.health';
import { HealthProblems } from './health.problems';
import { HealthStatusDto } from './health-status.dto';
import { MigrationsHealthIndicator } from './migrations.health';

/** How long each readiness check may take before it counts as failing: a probe is answered within it, whatever holds the database or Redis up. */
export const READY_CHECK_TIMEOUT_MS = 1500;
/**
 * When the database ping's own promise gives up (Terminus's timeout; the query it ran goes
 * on regardless). Far past the probe's answer: until then the ping still running is the
 * one every probe shares, so a slow database is pinged once at a time, not once a probe.
 */
const READY_PING_GIVE_UP_MS = 60_000;

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  private inFlight?: Promise<string[]>;
  /** Each check still running on its dependency, by key, until it has really ended (not when a probe stopped waiting for it). */
  private readonly running = new Map<string, Promise<HealthIndicatorResult>>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly jobs: JobRegistry,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** The process is up; touches nothing else. */
  // Probes come from the platform, often from one address: never limited, never failed closed.
  @Get('live')
  @SkipRateLimits()
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiOperation({ operationId: 'health.live', summary: 'Liveness: the process is up' })
  live(): HealthStatusDto {
    return { status: 'ok' };
  }

  /**
   * The database answers, every migration is applied, and Redis answers when it is
   * configured. Public and never limited, so concurrent probes share one check in
   * flight: a flood of them costs one database round trip at a time, not one each.
   * It says nothing of the background jobs: their turns follow what anonymous requests
   * queued, so their state would answer questions about those requests (which reset
   * request named an admin). Operators read them at GET /v1/admin/jobs.
   */
  @Get('ready')
  @SkipRateLimits()
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiProblems(HealthProblems.NOT_READY)
  @ApiOperation({ operationId: 'health.ready', summary: 'Readiness: database, migrations and Redis' })
  async ready(): Promise<HealthStatusDto> {
    this.inFlight ??= this.failingChecks().finally(() => (this.inFlight = undefined));
    const failing = await this.inFlight;
    if (failing.length > 0) throw HealthProblems.NOT_READY({ detail: `Not ready: ${failing.join(', ')}.` });
    return { status: 'ok' };
  }

  /** The names of the failing checks; none when ready. */
  private async failingChecks(): Promise<string[]> {
    try {
      await this.health.check([
        this.bounded('database', () => this.database.pingCheck('database', { timeout: READY_PING_GIVE_UP_MS })),
        this.bounded('migrations', () => this.migrations.check('migrations')),
        ...(this.redis.configured ? [this.bounded('redis', () => this.redis.check('redis'))] : []),
        ...(this.jobs.role === 'worker' ? [this.bounded('claims', () => this.claims())] : []),
      ]);
      return [];
    } catch (error) {
      // Terminus answers a failed check with a 503 whose body names the failing indicators.
      const report = error instanceof ServiceUnavailableException ? (error.getResponse() as Partial<HealthCheckResult>) : {};
      const failing = Object.keys(report.error ?? {});
      return failing.length > 0 ? failing : ['health check failed'];
    }
  }

  /**
   * A worker is ready when it can claim: it is not draining for a stop, and a unit of work on
   * the platform path its jobs claim through (a system principal's settings, row-level
   * security's platform policies) answers. It says whether the instance can work, never
   * what its jobs found.
   */
  private async claims(): Promise<HealthIndicatorResult> {
    const indicator = this.indicator.check('claims');
    if (!this.jobs.claimsClusterWork) return indicator.down({ reason: 'draining' });
    try {
      await this.unitOfWork.run(
        async () => {
          await this.unitOfWork.manager.query('SELECT 1');
        },
        { principal: jobPrincipal('readiness') },
      );
      return indicator.up();
    } catch {
      return indicator.down({ reason: 'unavailable' });
    }
  }

  /**
   * `check`, failing as `key` once READY_CHECK_TIMEOUT_MS has passed (what it waits on is
   * bounded by its own timeouts). A check that outlasts its answer is still running on the
   * database or Redis: the probes that follow wait on it too, and start none of their own,
   * so a flood of probes against a slow dependency holds one of its connections, not one
   * more every READY_CHECK_TIMEOUT_MS until the pool is theirs.
   */
  private bounded(key: string, check: () => Promise<HealthIndicatorResult>): () => Promise<HealthIndicatorResult> {
    return () => {
      let running = this.running.get(key);
      if (!running) {
        running = check().finally(() => this.running.delete(key));
        this.running.set(key, running);
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<HealthIndicatorResult>((resolve) => {
        timer = setTimeout(() => resolve(this.indicator.check(key).down({ reason: 'timeout' })), READY_CHECK_TIMEOUT_MS);
      });
      return Promise.race([running, late]).finally(() => clearTimeout(timer));
    };
  }
}
