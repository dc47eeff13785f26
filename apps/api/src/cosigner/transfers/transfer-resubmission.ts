import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { Job, jobPrincipal, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { COSIGNER_OPTIONS, CosignerOptions } from '../cosigner.options';
import { SubmittableTransfer, TransfersService } from './transfers.service';

export const RESUBMIT_JOB = 'transfer-resubmit';
const RESUBMITTER = jobPrincipal(RESUBMIT_JOB);
/**
 * A claim holds its transfer at least this long: longer than a submission can take (two
 * calls of at most FIREBLOCKS_TIMEOUT_MS, 30 s, for a duplicate's look-up), so two workers
 * never submit one at once. Each later attempt waits twice as long, at most an hour.
 */
const LEASE_MS = 2 * 60_000;
const LEASE_MAX_MS = 60 * 60_000;

type ClaimedTransfer = SubmittableTransfer & { created_at: Date; submission_attempts: number };

/**
 * The transfer-resubmit job (cluster; docs/adr/0012-background-jobs.md): hands again to its
 * provider each transfer still `submitted` TRANSFER_RESUBMIT_AFTER_MS after its creation,
 * whose submission failed for a while (a 5xx, a timeout) or never ran (the process stopped
 * between the commit and the call). A turn claims at most TRANSFER_RESUBMIT_BATCH of them,
 * oldest first, `FOR UPDATE SKIP LOCKED` in one short transaction that leases each
 * (`resubmit_after`, migration 0013) and audits it as the system (`transfer.resubmit`); then
 * submits them one by one with no transaction open, recording the provider's answer as the
 * job. The provider dedupes on the external reference, so a transfer it made already is
 * found, not made twice.
 */
@Injectable()
export class TransferResubmission {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly writer: AuditWriter,
    private readonly transfers: TransfersService,
    @Inject(COSIGNER_OPTIONS) private readonly options: CosignerOptions,
  ) {}

  @Job({ name: RESUBMIT_JOB, scope: 'cluster', everyMs: 10_000 })
  async resubmitTurn(signal: AbortSignal): Promise<void> {
    await this.resubmitDue(signal);
  }

  /** Claims what is due and submits it (until `signal` aborts); answers how many transfers were claimed. */
  async resubmitDue(signal?: AbortSignal): Promise<number> {
    const claimed = await this.unitOfWork.run(() => this.claim(), { principal: RESUBMITTER });
    for (const transfer of claimed) {
      // A claim not submitted before the stop is picked up again once its lease has run out.
      if (signal?.aborted) break;
      // Its lease may have run out while earlier claims were submitted (a batch of slow calls):
      // renewed only if no other worker has claimed it since, nor has it left `submitted`.
      if (!(await this.unitOfWork.run(() => this.renew(transfer), { principal: RESUBMITTER }))) continue;
      await this.transfers.submit(transfer, RESUBMITTER);
    }
    return claimed.length;
  }

  /** Holds a claim for one more submission, if it is still this turn's: answers whether it is. */
  private async renew(transfer: ClaimedTransfer): Promise<boolean> {
    const rows = await sqlRows<{ id: string }>(
      this.unitOfWork.manager,
      `UPDATE transfers SET resubmit_after = greatest(resubmit_after, now() + make_interval(secs => $3::double precision / 1000))
        WHERE id = $1 AND status = 'submitted' AND submission_attempts = $2
       RETURNING id`,
      [transfer.id, transfer.submission_attempts, LEASE_MS],
    );
    return rows.length === 1;
  }

  private async claim(): Promise<ClaimedTransfer[]> {
    const rows = await sqlRows<ClaimedTransfer>(
      this.unitOfWork.manager,
      `WITH due AS (
         SELECT id FROM transfers
          WHERE status = 'submitted' AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
            AND (resubmit_after IS NULL OR resubmit_after <= now())
          ORDER BY created_at, id
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE transfers t
          SET submission_attempts = t.submission_attempts + 1,
              resubmit_after = now() + make_interval(secs => least($3 * power(2, least(t.submission_attempts, 30)), $4) / 1000)
         FROM due WHERE t.id = due.id
       RETURNING t.id, t.workspace_id, t.environment, t.provider, t.external_tx_id, t.asset, t.amount, t.source, t.destination, t.note,
                 t.created_at, t.submission_attempts`,
      [this.options.resubmitAfterMs, this.options.resubmitBatch, LEASE_MS, LEASE_MAX_MS],
    );
    rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
    for (const row of rows) {
      await this.writer.append({
        action: 'transfer.resubmit',
        outcome: 'success',
        target: { type: 'transfer', id: row.id },
        workspaceId: row.workspace_id,
        environment: row.environment,
        after: { provider: row.provider, attempt: row.submission_attempts },
      });
    }
    return rows;
  }
}
