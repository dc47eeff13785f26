import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { readMigrations } from '@ringfence/migrations';
import { sqlRows, UnitOfWork } from '@ringfence/tenancy';

/** Ready only when every migration this build ships has been applied. */
@Injectable()
export class MigrationsHealthIndicator {
  private readonly expected = readMigrations().map((migration) => migration.version);

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      // On the pool like a request's read (an outage it meets is the one the requests report); no principal asks.
      const rows = await this.unitOfWork.readOutsideUnitOfWork('readiness: the applied migrations', (reader) =>
        sqlRows<{ version: string }>(reader, 'SELECT version FROM schema_migrations'),
      );
      const applied = new Set(rows.map((row) => row.version));
      const pending = this.expected.filter((version) => !applied.has(version));
      return pending.length === 0 ? check.up() : check.down({ pending: pending.length });
    } catch {
      return check.down({ reason: 'unreadable' });
    }
  }
}
