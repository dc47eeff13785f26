import { Injectable } from '@nestjs/common';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

const CHAIN_KEEPER: Principal = { kind: 'system', process: 'audit-chain' };

export interface ChainHead {
  readonly seq: number;
  /** Hex SHA-256 of the head link: logged on every seal, an anchor outside the database. */
  readonly hash: string;
}

/** Where a retention run's dropped months end: every retired row lies before `retiredBefore`, at or below `throughSeq`. */
export interface RetentionBoundary {
  /** The last link about a retired row, and the chain hash there. */
  readonly throughSeq: number;
  readonly headHash: string;
  /** ISO 8601: the upper bound of the newest month dropped. */
  readonly retiredBefore: string;
  readonly partitions: readonly string[];
  /** How many rows the dropped months held: every one of them sealed, so exactly the links left without a row. */
  readonly rowsRetired: number;
}

export interface ChainReport {
  readonly intact: boolean;
  /** Links walked from the starting point. */
  readonly checked: number;
  /** The last link that verified. */
  readonly verifiedThroughSeq: number;
  readonly firstBreak: { readonly seq: number | null; readonly auditId: string | null; readonly problem: string } | null;
  /** Rows written but not yet linked into the chain (the sealer links them once settled): not covered by this report. */
  readonly unsealed: number;
  /** When the oldest of them was written; null: none. A growing age means the sealer is not running. */
  readonly oldestUnsealedAt: Date | null;
}

interface VerdictRow {
  checked: string;
  head_seq: string;
  break_seq: string | null;
  break_audit_id: string | null;
  problem: string | null;
}

/**
 * The audit log's hash chain, kept by the database (migration 0006): `audit_seal` links
 * committed rows in id order, `audit_verify` walks the links. Both run on the platform
 * path as the system; neither needs any right on audit_log beyond the app role's.
 */
@Injectable()
export class AuditChain {
  /** A walk of the whole chain is long: concurrent callers share the one in flight. */
  private verifying = new Map<number, Promise<ChainReport>>();

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Links up to `batch` rows older than `settleSeconds`; returns how many and the new head. */
  seal(batch: number, settleSeconds: number): Promise<{ sealed: number; head: ChainHead }> {
    return this.asKeeper(async () => {
      const [row] = await sqlRows<{ sealed: number; head_seq: string; head_hash: Buffer }>(
        this.unitOfWork.manager,
        'SELECT sealed, head_seq, head_hash FROM audit_seal($1, make_interval(secs => $2))',
        [batch, settleSeconds],
      );
      return { sealed: row!.sealed, head: { seq: Number(row!.head_seq), hash: row!.head_hash.toString('hex') } };
    });
  }

  /**
   * How far the chain's head is behind the log: rows written and not yet sealed, and the age
   * in seconds of the oldest of them (0 when none). A short read, not long-running.
   */
  unsealed(): Promise<{ rows: number; oldestSeconds: number }> {
    return this.unitOfWork.run(
      async () => {
        const [row] = await sqlRows<{ rows: number; seconds: number }>(
          this.unitOfWork.manager,
          `SELECT count(*)::int AS rows, coalesce(extract(epoch FROM clock_timestamp() - min(a.occurred_at)), 0)::float8 AS seconds
             FROM audit_log a
            WHERE a.id > coalesce((SELECT c.audit_id FROM audit_chain c ORDER BY c.seq DESC LIMIT 1), 0)`,
        );
        return { rows: row!.rows, oldestSeconds: row!.seconds };
      },
      { principal: CHAIN_KEEPER },
    );
  }

  /** Monthly partitions through `monthsAhead` months from now (an insert without one fails). */
  ensurePartitions(monthsAhead = 3): Promise<number> {
    return this.asKeeper(async () => {
      const [row] = await sqlRows<{ made: number }>(this.unitOfWork.manager, 'SELECT audit_ensure_partitions(now()::date, $1) AS made', [
        monthsAhead,
      ]);
      return row!.made;
    });
  }

  /**
   * The retention path: drops the months wholly older than `retentionDays` whose rows are
   * all sealed, with a checkpoint and an `audit.retention` row (migration 0006). When rows
   * were retired, `beforeCommit` gets the boundary inside the same transaction: if it throws
   * (the signed retention line could not be exported), nothing is dropped.
   */
  retire(
    retentionDays: number,
    beforeCommit?: (boundary: RetentionBoundary) => Promise<void>,
  ): Promise<{ partition: string; rows: number }[]> {
    return this.asKeeper(async () => {
      const dropped = (
        await sqlRows<{ partition_name: string; rows_retired: string }>(
          this.unitOfWork.manager,
          'SELECT partition_name, rows_retired FROM audit_drop_partitions(make_interval(days => $1))',
          [retentionDays],
        )
      ).map((row) => ({ partition: row.partition_name, rows: Number(row.rows_retired) }));
      if (dropped.length === 0 || !beforeCommit) return dropped;
      // The checkpoint audit_drop_partitions just wrote, in this transaction.
      const [checkpoint] = await sqlRows<{
        retired_before: Date;
        through_seq: string | null;
        chain_hash: Buffer | null;
        rows_retired: string;
      }>(
        this.unitOfWork.manager,
        `SELECT retired_before, through_seq, chain_hash, rows_retired FROM audit_checkpoints WHERE kind = 'retention' ORDER BY id DESC LIMIT 1`,
      );
      if (checkpoint?.through_seq != null && checkpoint.chain_hash !== null) {
        await beforeCommit({
          throughSeq: Number(checkpoint.through_seq),
          headHash: checkpoint.chain_hash.toString('hex'),
          retiredBefore: checkpoint.retired_before.toISOString(),
          partitions: dropped.map((part) => part.partition),
          rowsRetired: Number(checkpoint.rows_retired),
        });
      }
      return dropped;
    });
  }

  /** The first break from `fromSeq` on (0: the whole chain), or an intact report. */
  verify(fromSeq = 0): Promise<ChainReport> {
    const running = this.verifying.get(fromSeq);
    if (running) return running;
    const walk = this.walk(fromSeq).finally(() => this.verifying.delete(fromSeq));
    this.verifying.set(fromSeq, walk);
    return walk;
  }

  private walk(fromSeq: number): Promise<ChainReport> {
    return this.asKeeper(async () => {
      const [row] = await sqlRows<VerdictRow>(this.unitOfWork.manager, 'SELECT * FROM audit_verify($1)', [fromSeq]);
      const verdict = row!;
      // Past the chain's head: the rows the sealer has not linked yet (ids only grow; the head's row is the last linked).
      const [pending] = await sqlRows<{ unsealed: string; oldest: Date | null }>(
        this.unitOfWork.manager,
        `SELECT count(*) AS unsealed, min(occurred_at) AS oldest FROM audit_log
          WHERE id > coalesce((SELECT audit_id FROM audit_chain ORDER BY seq DESC LIMIT 1), 0)`,
      );
      return {
        unsealed: Number(pending!.unsealed),
        oldestUnsealedAt: pending!.oldest,
        intact: verdict.problem === null,
        checked: Number(verdict.checked),
        verifiedThroughSeq: Number(verdict.head_seq),
        firstBreak:
          verdict.problem === null
            ? null
            : {
                seq: verdict.break_seq === null ? null : Number(verdict.break_seq),
                auditId: verdict.break_audit_id,
                problem: verdict.problem,
              },
      };
    });
  }

  /** Sealing, partition upkeep, retention and verification legitimately run long: they get the long-running allowance. */
  private asKeeper<T>(work: () => Promise<T>): Promise<T> {
    return this.unitOfWork.run(work, { principal: CHAIN_KEEPER, longRunning: true });
  }
}
