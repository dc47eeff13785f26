import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdminJobsController } from './admin-jobs.controller';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from '../redis/redis.health';
import { MigrationsHealthIndicator } from './migrations.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, AdminJobsController],
  providers: [MigrationsHealthIndicator, RedisHealthIndicator],
})
export class HealthModule {}
