import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Job } from '@ringfence/tenancy';
import { AuditChain, ChainHead, RetentionBoundary } from './audit-chain';

/**
 * Where the sealer anchors each chain head it reaches, outside the database (the API's signed
 * checkpoints, docs/adr/0027-audit-checkpoints.md). Optional: without one, heads are only logged.
 */
export const AUDIT_HEAD_ANCHOR = Symbol('AUDIT_HEAD_ANCHOR');
export interface AuditHeadAnchor {
  anchor(head: ChainHead): Promise<unknown>;
  /**
   * Signs and exports where retention ended, before the drop commits (a throw rolls it back):
   * the verifier forgives a missing row only under a signed retention line.
   */
  retention?(boundary: RetentionBoundary): Promise<unknown>;
}

export const AUDIT_RETENTION = Symbol('AUDIT_RETENTION');
export interface AuditRetentionOptions {
  /** Months wholly older than this many days are dropped (AUDIT_RETENTION_DAYS). */
  readonly retentionDays: number;
}

const BATCH = 5_000;
/** Every audit insert commits within milliseconds of being made; ten seconds is ample. */
export const SETTLE_SECONDS = 10;

/**
 * The worker side of the chain, three cluster jobs: every five seconds it links what
 * committed, batch by batch, and logs the new head (seq and hash), so a chain rewritten
 * later in the database disagrees with the log; at boot and every hour it makes next
 * months' partitions; every six hours it retires the months past retention. Several
 * workers may run them at once: the database functions take their own locks.
 */
@Injectable()
export class AuditSealer {
  private readonly logger = new Logger(AuditSealer.name);

  constructor(
    private readonly chain: AuditChain,
    @Inject(AUDIT_RETENTION) private readonly options: AuditRetentionOptions,
    @Optional() @Inject(AUDIT_HEAD_ANCHOR) private readonly anchor?: AuditHeadAnchor,
  ) {}

  /** The last head this instance anchored: a head is anchored once, and again after a restart (harmless). */
  private anchoredSeq = 0;

  @Job({ name: 'audit-seal', scope: 'cluster', everyMs: 5_000 })
  async sealTurn(signal: AbortSignal): Promise<void> {
    await this.sealAll(SETTLE_SECONDS, signal);
  }

  // An insert into a month without its partition fails, and its mutation with it: made at boot.
  @Job({ name: 'audit-partitions', scope: 'cluster', everyMs: 60 * 60_000, firstAfterMs: 0 })
  async partitionsTurn(): Promise<void> {
    await this.chain.ensurePartitions();
  }

  @Job({ name: 'audit-retention', scope: 'cluster', everyMs: 6 * 60 * 60_000 })
  async retentionTurn(): Promise<void> {
    await this.retire();
  }

  /** Links everything older than `settleSeconds`, batch by batch (until `signal` aborts); returns how many rows it linked. */
  async sealAll(settleSeconds = SETTLE_SECONDS, signal?: AbortSignal): Promise<number> {
    let total = 0;
    let reached: ChainHead | null = null;
    while (!signal?.aborted) {
      const { sealed, head } = await this.chain.seal(BATCH, settleSeconds);
      total += sealed;
      reached = head;
      if (sealed > 0) this.logger.log(`audit chain head ${head.seq} ${head.hash}`);
      if (sealed < BATCH) break;
    }
    // The head reached, signed and exported (a failure throws: the next turn anchors it again).
    if (this.anchor && reached && reached.seq > this.anchoredSeq) {
      await this.anchor.anchor(reached);
      this.anchoredSeq = reached.seq;
    }
    return total;
  }

  /**
   * Seals first (a month with unsealed rows is never dropped), then drops what retention
   * allows; with an anchor, the boundary is signed and exported before the drop commits.
   */
  async retire(): Promise<{ partition: string; rows: number }[]> {
    await this.sealAll();
    const anchor = this.anchor;
    const dropped = await this.chain.retire(
      this.options.retentionDays,
      anchor?.retention === undefined
        ? undefined
        : async (boundary) => {
            this.checkBoundary(boundary);
            await anchor.retention!(boundary);
          },
    );
    for (const { partition, rows } of dropped) this.logger.log(`audit retention dropped ${partition} (${rows} rows)`);
    return dropped;
  }

  /**
   * What the app signs is checked against what it knows, not only against what the database
   * answered: the boundary lies past the retention period by the app's clock, and the retired
   * links are at or below the head this instance anchored.
   */
  private checkBoundary(boundary: RetentionBoundary): void {
    const cutoff = Date.now() - this.options.retentionDays * 86_400_000;
    if (Date.parse(boundary.retiredBefore) > cutoff)
      throw new Error(`audit retention boundary ${boundary.retiredBefore} is within the retention period: not signed, nothing dropped`);
    if (boundary.throughSeq > this.anchoredSeq)
      throw new Error(
        `audit retention reaches seq ${boundary.throughSeq}, past the anchored head ${this.anchoredSeq}: not signed, nothing dropped`,
      );
  }
}
