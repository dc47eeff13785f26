import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@ringfence/auth';
import { ProblemResponse } from '../openapi/problem.schema';
import { HealthStatusDto } from './health-status.dto';
import { MigrationsHealthIndicator } from './migrations.health';

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  /** The process is up; touches nothing else. */
  @Get('live')
  @ApiOkResponse({ type: HealthStatusDto })
  live(): HealthStatusDto {
    return { status: 'ok' };
  }

  /** The database answers and every migration is applied. */
  @Get('ready')
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: ProblemResponse })
  async ready(): Promise<HealthStatusDto> {
    try {
      await this.health.check([() => this.database.pingCheck('database', { timeout: 1500 }), () => this.migrations.check('migrations')]);
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
