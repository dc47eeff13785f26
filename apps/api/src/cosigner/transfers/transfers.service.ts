import { DEFAULT_PAGE_SIZE, pageOf, positionOf } from '../../paging/keyset-page';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditTrail, AuditWriter } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import {
  actorLabel,
  DomainEvents,
  failureCodeOf,
  KeyEnvironment,
  Principal,
  RequestContext,
  sqlRows,
  UnitOfWork,
} from '@ringfence/tenancy';
import { IdempotencyProblems } from '../../idempotency/idempotency.problems';
import { CUSTODY_PROVIDERS, CustodyProviderRefusal, CustodyProviders } from '../../providers/custody-provider';
import { parseDecimal } from '../policy/decimal';
import type { PolicyOwner } from '../policies/policy-versions';
import { TransferDto, TransferPageDto } from './dto/transfer.dto';
import { externalTxIdOf } from './external-reference';

/** The type of a destination given by its address. */
const ONE_TIME_ADDRESS = 'ONE_TIME_ADDRESS';

import type { TransferStatus } from './transfer-status';
export type { TransferStatus };

export interface NewTransfer {
  readonly asset: string;
  readonly amount: string;
  readonly source: { readonly type: string; readonly id: string };
  readonly destination: { readonly type?: string; readonly id?: string; readonly address?: string };
  readonly note?: string;
  readonly provider?: string;
}

/** What a submission reads of a transfer's row. */
export type SubmittableTransfer = Pick<
  TransferRow,
  'id' | 'workspace_id' | 'environment' | 'provider' | 'external_tx_id' | 'asset' | 'amount' | 'source' | 'destination' | 'note'
>;

interface TransferRow {
  id: string;
  workspace_id: string;
  environment: KeyEnvironment;
  external_tx_id: string;
  provider: string;
  provider_tx_id: string | null;
  asset: string;
  amount: string;
  source: { type: string; id: string };
  destination: { type?: string; id?: string; address?: string };
  note: string | null;
  status: TransferStatus;
  policy_version: number | null;
  rule_name: string | null;
  reason: string | null;
  decided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `t.id, t.workspace_id, t.environment, t.external_tx_id, t.provider, t.provider_tx_id, t.asset, t.amount, t.source, t.destination,
  t.note, t.status, (SELECT p.version FROM policy_versions p WHERE p.id = t.policy_version_id) AS policy_version, t.rule_name, t.reason,
  t.decided_at, t.created_at, t.updated_at`;

function transferView(row: TransferRow): TransferDto {
  return {
    id: row.id,
    externalTxId: row.external_tx_id,
    status: row.status,
    provider: row.provider,
    providerTxId: row.provider_tx_id,
    asset: row.asset,
    amount: row.amount,
    source: row.source,
    destination: row.destination,
    note: row.note,
    decision:
      row.decided_at === null
        ? null
        : {
            // Decided (decided_at is written only as the cosigner approves or rejects): a rejection stays rejected,
            // an approval may only fail, complete or be cancelled afterwards (the schema's trigger holds both).
            action: row.status === 'rejected' ? 'REJECT' : 'APPROVE',
            policyVersion: row.policy_version,
            rule: row.rule_name,
            reason: row.reason ?? '',
            decidedAt: row.decided_at.toISOString(),
          },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * A workspace's transfer intents: recorded (with the `Idempotency-Key` the route was called
 * with) in the request's transaction, then submitted to the custody provider once that has
 * committed (never I/O inside a transaction): the provider then asks our cosigner whether to
 * sign, by the intent's external reference. Listing and reading show the decision.
 */
@Injectable()
export class TransfersService {
  private readonly logger = new Logger(TransfersService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly trail: AuditTrail,
    private readonly writer: AuditWriter,
    private readonly events: DomainEvents,
    @Inject(CUSTODY_PROVIDERS) private readonly providers: CustodyProviders,
  ) {}

  async create(owner: PolicyOwner, input: NewTransfer, idempotencyKey: string): Promise<TransferDto> {
    const errors: { field: string; messages: string[] }[] = [];
    if ((input.destination.id === undefined) === (input.destination.address === undefined)) {
      errors.push({ field: 'destination', messages: ['destination must have exactly one of id and address'] });
    } else if (input.destination.address !== undefined && (input.destination.type ?? ONE_TIME_ADDRESS) !== ONE_TIME_ADDRESS) {
      // Policies decide on a destination's type: an address is a one-time address, never a type the key names for it.
      errors.push({ field: 'destination', messages: [`an address is a ${ONE_TIME_ADDRESS}; a whitelisted wallet is given by its id`] });
    } else if (
      input.destination.id !== undefined &&
      (input.destination.type === undefined || input.destination.type === ONE_TIME_ADDRESS)
    ) {
      // Without its type, the provider's callback would say which type the wallet is, and so which rule decides.
      errors.push({ field: 'destination', messages: ['a whitelisted id needs its wallet type (VAULT_ACCOUNT, EXTERNAL_WALLET, …)'] });
    }
    if (!parseDecimal(input.amount)) {
      errors.push({ field: 'amount', messages: ['amount has more digits than an amount may have (78, 36 after the point)'] });
    }
    const provider = input.provider ?? [...this.providers.keys()][0];
    if (provider === undefined || !this.providers.has(provider)) {
      errors.push({
        field: 'provider',
        messages: [input.provider === undefined ? 'no custody provider is configured' : 'provider is not configured'],
      });
    }
    if (errors.length > 0) throw RequestProblems.VALIDATION_FAILED({ errors });
    const destination =
      input.destination.address === undefined
        ? { type: input.destination.type!, id: input.destination.id! }
        : { type: ONE_TIME_ADDRESS, address: input.destination.address };
    const [row] = await sqlRows<TransferRow>(
      this.unitOfWork.manager,
      `WITH t AS (
         INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, note, status, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'submitted', $11) ON CONFLICT DO NOTHING RETURNING *)
       SELECT ${COLUMNS} FROM t`,
      [
        owner.workspaceId,
        owner.environment,
        idempotencyKey,
        externalTxIdOf(owner, idempotencyKey),
        provider,
        input.asset,
        input.amount,
        JSON.stringify({ type: input.source.type, id: input.source.id }),
        JSON.stringify(destination),
        input.note ?? null,
        actorLabel(this.context.principal),
      ],
    );
    // The key named a transfer already, and its kept answer has expired (IDEMPOTENCY_KEY_TTL_HOURS): the
    // transfer is not made twice, and the key is refused as any key used for another request.
    if (!row) {
      throw IdempotencyProblems.IDEMPOTENCY_KEY_REUSED({
        detail: 'This Idempotency-Key named a transfer already (its answer is no longer kept); use a new key for a new transfer.',
      });
    }
    const view = transferView(row);
    this.trail.record({
      target: { type: 'transfer', id: view.id },
      after: {
        externalTxId: view.externalTxId,
        provider,
        asset: view.asset,
        amount: view.amount,
        source: view.source,
        destination,
        status: 'submitted',
      },
    });
    // Submitted once the intent has committed: the provider's callback must find it.
    this.unitOfWork.afterCommit(() => void this.submit(row));
    return view;
  }

  list(owner: PolicyOwner, query: { status?: string; limit?: number; cursor?: string }): Promise<TransferPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // The position as PostgreSQL writes it (microseconds kept): a JavaScript Date's milliseconds
    // would skip the transfers made in the same millisecond as a page's last one.
    const position = positionOf(query.cursor, ['timestamp', 'uuid']);
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<TransferRow & { created_text: string }>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS}, t.created_at::text AS created_text FROM transfers t
          WHERE t.workspace_id = $1 AND t.environment = $2 AND ($3::text IS NULL OR t.status = $3)
            AND ($4::timestamptz IS NULL OR (t.created_at, t.id) < ($4::timestamptz, $5::uuid))
          ORDER BY t.created_at DESC, t.id DESC LIMIT $6`,
        [owner.workspaceId, owner.environment, query.status ?? null, position?.[0] ?? null, position?.[1] ?? null, limit + 1],
      );
      return pageOf(rows, limit, transferView, (row) => [row.created_text, row.id]);
    });
  }

  get(owner: PolicyOwner, id: string): Promise<TransferDto> {
    return this.unitOfWork.read(async () => {
      const [row] = await sqlRows<TransferRow>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS} FROM transfers t WHERE t.id = $1 AND t.workspace_id = $2 AND t.environment = $3`,
        [id, owner.workspaceId, owner.environment],
      );
      if (!row) throw RequestProblems.NOT_FOUND();
      return transferView(row);
    });
  }

  /**
   * Hands a recorded intent to its provider, outside any transaction, and records what the
   * provider said: its transaction id (the transfer is pending, unless the cosigner already
   * decided it), or a refusal for good (the transfer fails, audited and announced). A
   * transient failure leaves it submitted, to be submitted again by the transfer-resubmit
   * job (the provider dedupes on the external reference). Recorded as the provider, or as
   * `as` (that job).
   */
  async submit(row: SubmittableTransfer, as?: Principal): Promise<void> {
    const provider = this.providers.get(row.provider);
    const principal: Principal = as ?? {
      kind: 'provider',
      provider: row.provider,
      workspaceId: row.workspace_id,
      environment: row.environment,
    };
    const owner = { workspaceId: row.workspace_id, environment: row.environment };
    try {
      if (!provider) throw new CustodyProviderRefusal('provider_not_configured');
      const { providerTxId } = await provider.submitTransfer({
        externalTxId: row.external_tx_id,
        asset: row.asset,
        amount: row.amount,
        source: row.source,
        destination: row.destination,
        ...(row.note === null ? {} : { note: row.note }),
      });
      await this.unitOfWork.run(
        async () => {
          await this.unitOfWork.manager.query(
            `UPDATE transfers SET provider_tx_id = coalesce(provider_tx_id, $2),
                    status = CASE WHEN status = 'submitted' THEN 'pending' ELSE status END
              WHERE id = $1 AND workspace_id = $3 AND environment = $4`,
            [row.id, providerTxId, row.workspace_id, row.environment],
          );
        },
        { principal },
      );
    } catch (error) {
      if (!(error instanceof CustodyProviderRefusal)) {
        this.logger.warn({ transferId: row.id, failure: failureCodeOf(error) }, 'transfer submission failed; it stays submitted');
        return;
      }
      await this.unitOfWork
        .run(
          async () => {
            const failed = await sqlRows<{ id: string }>(
              this.unitOfWork.manager,
              `UPDATE transfers SET status = 'failed', reason = $2 WHERE id = $1 AND status IN ('submitted', 'pending') RETURNING id`,
              [row.id, `provider_refused:${error.code}`],
            );
            if (failed.length === 0) return;
            await this.writer.append({
              action: 'transfer.fail',
              outcome: 'failure',
              reason: `provider_refused:${error.code}`,
              target: { type: 'transfer', id: row.id },
              workspaceId: row.workspace_id,
              environment: row.environment,
              after: { status: 'failed' },
            });
            await this.events.record(owner, {
              type: 'transfer.status_changed',
              subjectId: row.id,
              payload: { transferId: row.id, status: 'failed', reason: `provider_refused:${error.code}` },
            });
          },
          { principal },
        )
        .catch((recording: unknown) =>
          this.logger.error({ transferId: row.id, failure: failureCodeOf(recording) }, 'could not record a refused submission'),
        );
    }
  }
}
