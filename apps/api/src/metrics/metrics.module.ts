import { DynamicModule, Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { AuditChain } from '@ringfence/audit';
import { JobRegistry } from '@ringfence/tenancy';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolStats } from '../database/pool-stats';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { METRICS_ACCESS, MetricsAccess } from './metrics.options';

/** The readings taken at each scrape: the connection pool, the jobs of this instance, the audit chain's lag. */
@Injectable()
class ScrapeReadings implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
    private readonly jobs: JobRegistry,
    private readonly chain: AuditChain,
  ) {}

  onModuleInit(): void {
    const m = this.metrics;
    const pool = {
      max: m.gauge('ringfence_db_pool_max', 'Connections the pool may hold (DATABASE_POOL_SIZE)'),
      total: m.gauge('ringfence_db_pool_connections', 'Connections the pool holds'),
      idle: m.gauge('ringfence_db_pool_idle', 'Connections of the pool not in use'),
      waiting: m.gauge('ringfence_db_pool_waiting', 'Callers waiting for a connection of the pool'),
    };
    m.collectAtScrape(() => {
      const stats = poolStats(this.dataSource);
      if (!stats) return;
      pool.max.set(stats.max);
      pool.total.set(stats.total);
      pool.idle.set(stats.idle);
      pool.waiting.set(stats.waiting);
    });
    // Counters (their type says they only grow, for rate()), set from the registry's own counts at each scrape.
    const runs = new Counter({
      name: 'ringfence_job_runs_total',
      help: 'Turns of a background job finished on this instance since boot',
      labelNames: ['job'],
      registers: [m.registry],
    });
    const failures = new Counter({
      name: 'ringfence_job_failures_total',
      help: 'Failed turns of a background job on this instance since boot',
      labelNames: ['job'],
      registers: [m.registry],
    });
    const jobs = {
      consecutive: m.gauge('ringfence_job_consecutive_failures', 'Failed turns of a job since its last success', ['job']),
      running: m.gauge('ringfence_job_running', '1 while a turn of the job runs on this instance', ['job']),
      runsHere: m.gauge('ringfence_job_runs_here', '1 when this instance runs the job on its schedule (RINGFENCE_ROLE)', ['job']),
      lastSeconds: m.gauge('ringfence_job_last_duration_seconds', 'How long the last turn took', ['job']),
      lastSuccess: m.gauge('ringfence_job_last_success_timestamp_seconds', 'When the last successful turn ended (Unix seconds)', ['job']),
    };
    m.collectAtScrape(() => {
      runs.reset();
      failures.reset();
      for (const job of this.jobs.counters()) {
        const labels = { job: job.name };
        runs.inc(labels, job.runs);
        failures.inc(labels, job.failures);
        jobs.consecutive.set(labels, job.consecutiveFailures);
        jobs.running.set(labels, job.running ? 1 : 0);
        jobs.runsHere.set(labels, job.runsHere ? 1 : 0);
        if (job.lastDurationMs !== null) jobs.lastSeconds.set(labels, job.lastDurationMs / 1000);
        if (job.lastSucceededAtSeconds !== null) jobs.lastSuccess.set(labels, job.lastSucceededAtSeconds);
      }
    });
    const lag = {
      rows: m.gauge('ringfence_audit_unsealed_rows', 'Audit rows written and not yet linked into the hash chain'),
      seconds: m.gauge('ringfence_audit_unsealed_oldest_seconds', 'Age of the oldest audit row not yet sealed (0 when none)'),
    };
    m.collectAtScrape(async () => {
      const { rows, oldestSeconds } = await this.chain.unsealed();
      lag.rows.set(rows);
      lag.seconds.set(oldestSeconds);
    });
  }
}

/** GET /metrics and the one Metrics of the application (global: features count their own events). */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics, access: MetricsAccess): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: Metrics, useValue: metrics }, { provide: METRICS_ACCESS, useValue: access }, ScrapeReadings],
      exports: [Metrics],
    };
  }
}
