import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { DomainEvents, Job, jobPrincipal, KeyEnvironment, Principal, prepared, sqlCount, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { COSIGNER_OPTIONS, CosignerOptions } from '../cosigner.options';
import { CapWindows } from '../decisions/cap-windows';
import { ReferencedPlace, referencedPlaceOf } from '../transfers/external-reference';
import type { TransferStatus } from '../transfers/transfer-status';
import { ProviderEvent, providerReason, readProviderEvent, transferStatusFor } from './provider-event';

/** What became of a delivered event (the replay store's `outcome`); `replayed`: it was seen before, nothing was done. */
export type InboundOutcome = 'applied' | 'unchanged' | 'unknown_transaction' | 'ignored' | 'replayed';

interface TransferRow {
  id: string;
  workspace_id: string;
  environment: KeyEnvironment;
  status: TransferStatus;
  provider_tx_id: string | null;
  reason: string | null;
}

const NOT_OURS = Symbol('not ours');
export const INBOUND_PURGE_JOB = 'inbound-events-purge';
const PURGER = jobPrincipal(INBOUND_PURGE_JOB);
const PURGE_BATCH = 1000;

/**
 * A provider's verified webhook, processed once per (provider, event id) on any replica: the
 * event's id is inserted into `inbound_provider_events` in the transaction that processes it
 * (a second delivery finds it, or waits for the first's commit, and does nothing). A
 * transaction status event about one of our transfers moves it (completed, failed, cancelled,
 * rejected at the provider), releases the cap reservation it no longer needs, and announces
 * `transfer.status_changed`, with its audit row, in that one transaction, as the provider
 * (row-level security: its own provider's transfers only, in the workspace the signed
 * `externalTxId` names). An event about no transfer of ours, or of no interest, is remembered
 * and audited, and changes nothing; the provider hears the same 200 whatever it was.
 */
@Injectable()
export class InboundProviderEvents {
  private readonly logger = new Logger(InboundProviderEvents.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly windows: CapWindows,
    private readonly writer: AuditWriter,
    private readonly events: DomainEvents,
    @Inject(COSIGNER_OPTIONS) private readonly options: CosignerOptions,
  ) {}

  async receive(provider: string, eventId: string, body: Buffer): Promise<InboundOutcome> {
    const event = readProviderEvent(body);
    const place = event.kind === 'transaction_status' ? referencedPlaceOf(event.externalTxId) : undefined;
    let outcome: InboundOutcome | typeof NOT_OURS = NOT_OURS;
    if (event.kind === 'transaction_status' && event.externalTxId !== undefined && place) {
      const status = event;
      outcome = await this.inTransaction(provider, place, () => this.applyToTransfer(provider, eventId, status));
    }
    if (outcome === NOT_OURS) outcome = await this.inTransaction(provider, undefined, () => this.remember(provider, eventId, event));
    this.logger.log({ inbound: { provider, outcome } }, 'provider event received');
    return outcome;
  }

  /** Hourly, on the workers: event ids older than INBOUND_EVENT_RETENTION_HOURS go. */
  @Job({ name: INBOUND_PURGE_JOB, scope: 'cluster', everyMs: 60 * 60_000, firstAfterMs: 5 * 60_000 })
  async purgeTurn(signal: AbortSignal): Promise<void> {
    await this.purgeExpired(signal);
  }

  /** Deletes the remembered event ids past their retention, batch by batch; answers how many went. */
  async purgeExpired(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (!signal?.aborted) {
      const purged = await this.unitOfWork.run(
        () =>
          sqlCount(
            this.unitOfWork.manager,
            `DELETE FROM inbound_provider_events WHERE (provider, event_id) IN (
               SELECT provider, event_id FROM inbound_provider_events
                WHERE received_at < now() - make_interval(hours => $1) ORDER BY received_at LIMIT $2
             ) RETURNING 1`,
            [this.options.inbound.retentionHours, PURGE_BATCH],
          ),
        { principal: PURGER },
      );
      total += purged;
      if (purged < PURGE_BATCH) break;
    }
    return total;
  }

  private inTransaction<T>(provider: string, place: ReferencedPlace | undefined, work: () => Promise<T>): Promise<T> {
    const principal: Principal = {
      kind: 'provider',
      provider,
      workspaceId: place?.workspaceId ?? null,
      environment: place?.environment ?? null,
    };
    return this.unitOfWork.run(work, { principal });
  }

  /** In the workspace the reference names, as the provider: its transfer moved, or NOT_OURS (nothing written) when it has none. */
  private async applyToTransfer(
    provider: string,
    eventId: string,
    event: Extract<ProviderEvent, { kind: 'transaction_status' }>,
  ): Promise<InboundOutcome | typeof NOT_OURS> {
    const manager = this.unitOfWork.manager;
    // Row-level security: a transfer of this workspace and environment, and of this provider only.
    const [transfer] = await sqlRows<TransferRow>(
      manager,
      prepared(
        'rf_inbound_transfer_lock',
        `SELECT id, workspace_id, environment, status, provider_tx_id, reason FROM transfers WHERE external_tx_id = $1 FOR UPDATE`,
      ),
      [event.externalTxId],
    );
    if (!transfer) return NOT_OURS;
    // The provider's id for it, once known, must be the one the event names: a status of another transaction moves nothing.
    const sameTransaction = transfer.provider_tx_id === null || event.txId === undefined || event.txId === transfer.provider_tx_id;
    if (!(await this.claim(provider, eventId))) return 'replayed';
    const next = sameTransaction ? transferStatusFor(event.status, transfer.status) : undefined;
    const owner = { workspaceId: transfer.workspace_id, environment: transfer.environment };
    const providerSays = { status: event.status, subStatus: event.subStatus ?? null, txId: event.txId ?? null };
    if (next === undefined) {
      await this.settle(provider, eventId, 'unchanged');
      await this.writer.append({
        action: 'provider_event.receive',
        outcome: 'success',
        reason: sameTransaction ? 'unchanged' : 'another_provider_transaction',
        target: { type: 'transfer', id: transfer.id },
        before: { status: transfer.status },
        after: { status: transfer.status, eventId, provider: providerSays },
      });
      return 'unchanged';
    }
    const reason = providerReason(next, event.status, event.subStatus) ?? null;
    await manager.query(
      prepared(
        'rf_inbound_transfer_move',
        `UPDATE transfers SET status = $2, reason = coalesce($3, reason), provider_tx_id = coalesce(provider_tx_id, $4) WHERE id = $1`,
      ),
      [transfer.id, next, reason, event.txId ?? null],
    );
    // A transfer that will not move funds gives back what its approval reserved; a completed one spent it.
    const released = next === 'completed' ? 0 : await this.windows.release(owner, transfer.id);
    await this.settle(provider, eventId, 'applied');
    await this.writer.append({
      action: 'provider_event.receive',
      outcome: 'success',
      reason: 'applied',
      target: { type: 'transfer', id: transfer.id },
      before: { status: transfer.status },
      after: { status: next, reason: reason ?? transfer.reason, eventId, provider: providerSays, reservationsReleased: released },
    });
    await this.events.record(owner, {
      type: 'transfer.status_changed',
      subjectId: transfer.id,
      payload: {
        transferId: transfer.id,
        status: next,
        previousStatus: transfer.status,
        reason: reason ?? transfer.reason,
        providerStatus: event.status,
        providerSubStatus: event.subStatus ?? null,
      },
    });
    return 'applied';
  }

  /** An event about no transfer of ours (or of no interest): remembered as seen, audited, nothing else. */
  private async remember(provider: string, eventId: string, event: ProviderEvent): Promise<InboundOutcome> {
    if (!(await this.claim(provider, eventId))) return 'replayed';
    const outcome = event.kind === 'transaction_status' ? 'unknown_transaction' : 'ignored';
    await this.settle(provider, eventId, outcome);
    await this.writer.append({
      action: 'provider_event.receive',
      outcome: 'success',
      reason: event.kind === 'transaction_status' ? outcome : `ignored:${event.why}`,
      target: { type: 'provider_event', id: `${provider}:${eventId}`.slice(0, 200) },
      after:
        event.kind === 'transaction_status'
          ? { eventId, provider: { status: event.status, subStatus: event.subStatus ?? null, txId: event.txId ?? null } }
          : { eventId },
    });
    return outcome;
  }

  /** The event's row, inserted: false when it is there already (a replay; a concurrent one waits for the first's commit). */
  private async claim(provider: string, eventId: string): Promise<boolean> {
    const inserted = await sqlRows<{ provider: string }>(
      this.unitOfWork.manager,
      prepared(
        'rf_inbound_event_claim',
        `INSERT INTO inbound_provider_events (provider, event_id, outcome) VALUES ($1, $2, 'received')
         ON CONFLICT (provider, event_id) DO NOTHING RETURNING provider`,
      ),
      [provider, eventId],
    );
    return inserted.length > 0;
  }

  private async settle(provider: string, eventId: string, outcome: Exclude<InboundOutcome, 'replayed'>): Promise<void> {
    await this.unitOfWork.manager.query(
      prepared('rf_inbound_event_settle', `UPDATE inbound_provider_events SET outcome = $3 WHERE provider = $1 AND event_id = $2`),
      [provider, eventId, outcome],
    );
  }
}
