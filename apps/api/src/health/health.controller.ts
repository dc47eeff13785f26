import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
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
    const result = await this.health
      .check([() => this.database.pingCheck('database', { timeout: 1500 }), () => this.migrations.check('migrations')])
      .catch(() => undefined);
    if (!result || result.status !== 'ok') {
      const failing = Object.keys(result?.error ?? { database: true });
      throw new ServiceUnavailableException({ code: 'NOT_READY', detail: `Not ready: ${failing.join(', ')}.` });
    }
    return { status: 'ok' };
  }
}
