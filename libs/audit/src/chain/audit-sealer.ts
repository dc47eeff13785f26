import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { logJobFailure } from '@ringfence/tenancy';
import { AuditChain } from './audit-chain';

export const AUDIT_JOBS = Symbol('AUDIT_JOBS');
export interface AuditJobsOptions {
  /** Seal, make partitions and retire old months on this instance (RINGFENCE_ROLE worker or all). */
  readonly seal: boolean;
  /** Months wholly older than this many days are dropped (AUDIT_RETENTION_DAYS). */
  readonly retentionDays: number;
}

const SEAL_INTERVAL_MS = 5_000;
const PARTITION_INTERVAL_MS = 60 * 60_000;
const RETENTION_INTERVAL_MS = 6 * 60 * 60_000;
const BATCH = 5_000;
/** Every audit insert commits within milliseconds of being made; ten seconds is ample. */
export const SETTLE_SECONDS = 10;

/**
 * The worker side of the chain: every five seconds it links what committed, batch by
 * batch, and logs the new head (seq and hash), so a chain rewritten later in the
 * database disagrees with the log; every hour it makes next months' partitions; every
 * six hours it retires the months past retention.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;

  constructor(
    private readonly chain: AuditChain,
    @Inject(AUDIT_JOBS) private readonly options: AuditJobsOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.seal) return;
    void this.partitionsQuietly();
    this.timers = [
      setInterval(() => void this.sealQuietly(), SEAL_INTERVAL_MS).unref(),
      setInterval(() => void this.partitionsQuietly(), PARTITION_INTERVAL_MS).unref(),
      setInterval(() => void this.retireQuietly(), RETENTION_INTERVAL_MS).unref(),
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.running;
  }

  /** Links everything older than `settleSeconds`; returns how many rows it linked. */
  async sealAll(settleSeconds = SETTLE_SECONDS): Promise<number> {
    let total = 0;
    for (;;) {
      const { sealed, head } = await this.chain.seal(BATCH, settleSeconds);
      total += sealed;
      if (sealed > 0) this.logger.log(`audit chain head ${head.seq} ${head.hash}`);
      if (sealed < BATCH) return total;
    }
  }

  /** Seals first (a month with unsealed rows is never dropped), then drops what retention allows. */
  async retire(): Promise<{ partition: string; rows: number }[]> {
    await this.sealAll();
    const dropped = await this.chain.retire(this.options.retentionDays);
    for (const { partition, rows } of dropped) this.logger.log(`audit retention dropped ${partition} (${rows} rows)`);
    return dropped;
  }

  /**
   * The timers' runs: they never reject, and a failure is logged unless it is the database's
   * outage (logged once, by DatabaseFaults); the next turn tries again.
   */
  sealQuietly(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.sealAll()
      .then(() => undefined)
      .catch((error: unknown) => logJobFailure(this.logger, error, 'could not seal the audit chain'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  partitionsQuietly(): Promise<void> {
    return this.chain.ensurePartitions().then(
      () => undefined,
      (error: unknown) => logJobFailure(this.logger, error, 'could not make audit partitions'),
    );
  }

  retireQuietly(): Promise<void> {
    return this.retire().then(
      () => undefined,
      (error: unknown) => logJobFailure(this.logger, error, 'could not retire old audit months'),
    );
  }
}
