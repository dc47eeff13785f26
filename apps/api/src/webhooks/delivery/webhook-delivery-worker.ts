import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { AesGcmCipher } from '@ringfence/crypto';
import {
  defineOutboxTable,
  DeliveryOutcome,
  DomainEvents,
  Job,
  jobPrincipal,
  JobRegistry,
  KeyEnvironment,
  Outbox,
  OutboxPass,
  OutboxRow,
  RecordedDelivery,
  sqlRows,
  UnitOfWork,
} from '@ringfence/tenancy';
import { endpointSecretAad, previousSecretAad } from '../endpoints/webhook-endpoints';
import { messageIdOf, webhookBody } from '../events/webhook-message';
import { signWebhook } from '../signing/standard-webhooks';
import { Metrics } from '../../metrics/metrics';
import { WEBHOOKS_OPTIONS, WebhooksOptions } from '../webhooks.options';
import { deliverOnce, DeliveryResult } from './delivery-client';

export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';

/**
 * When the attempt after attempt n is due: the Standard Webhooks schedule (immediately,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure; about
 * three days and four hours from the first attempt to the eleventh and last), each wait up to
 * 10 % longer at random so that an endpoint's failures do not come back in step.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  14 * 3600_000,
  20 * 3600_000,
  24 * 3600_000,
];
/** A `Retry-After` is honoured up to this long; a longer one waits the schedule's time and this at most. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** What a claimed delivery carries: its event, and its endpoint's URL and secrets as they are now. */
export interface DeliveryPayload {
  workspace_id: string;
  environment: KeyEnvironment;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  payload: unknown;
  group_url: string;
  group_sealed_secret: Buffer;
  group_secret_version: number;
  group_sealed_previous_secret: Buffer | null;
  group_previous_secret_expires_at: Date | null;
}

/** What one attempt left, recorded with the others of its batch. */
interface AttemptDetail {
  readonly endpointId: string;
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
  readonly startedAt: Date;
  readonly result: DeliveryResult;
}

const DELIVERER = jobPrincipal(WEBHOOK_DELIVERY_JOB);
/** Between a turn's passes while deliveries keep coming. */
const LINGER_MS = 50;
/** Passes in a row that found nothing before a turn ends (about a second of looking every LINGER_MS). */
const LINGER_PASSES = 20;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A pass whose outcomes could not all be recorded: its turn fails with it. */
class OutcomesUnrecorded extends Error {
  readonly code = 'WEBHOOK_OUTCOMES_UNRECORDED';

  constructor(count: number) {
    super(`${count} delivery outcome(s) could not be recorded; their rows are claimed again once their leases run out`);
    this.name = 'OutcomesUnrecorded';
  }
}

/**
 * Delivers the webhook deliveries (docs/adr/0021-webhook-delivery.md) through the Outbox: a
 * claim takes due deliveries fairly across endpoints (at most WEBHOOK_ENDPOINT_CONCURRENCY of
 * one endpoint in flight across every worker) with a lease; each is signed (Standard
 * Webhooks, the current secret and, during a rotation's grace, the previous one) and sent
 * to the address the SSRF guard checked, with no transaction open; the outcomes are recorded
 * in batches, each a compare-and-set on its lease, with their attempts and what they mean for
 * their endpoints (a 410 disables one; so do five days without a success), in one transaction.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnModuleInit {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly table;

  constructor(
    private readonly outbox: Outbox,
    private readonly unitOfWork: UnitOfWork,
    private readonly cipher: AesGcmCipher,
    private readonly audit: AuditWriter,
    private readonly events: DomainEvents,
    private readonly jobs: JobRegistry,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
    private readonly metrics: Metrics,
  ) {
    this.table = defineOutboxTable<DeliveryPayload>({
      table: 'webhook_deliveries',
      payloadColumns: ['workspace_id', 'environment', 'endpoint_id', 'event_id', 'event_type', 'occurred_at', 'payload'],
      clearedWhenFinished: [],
      principal: DELIVERER,
      maxAttempts: WEBHOOK_RETRY_SCHEDULE_MS.length + 1,
      // Longer than an attempt can take (the client's 15 s deadline), with room for a slow record.
      leaseMs: 60_000,
      backoff: { scheduleMs: WEBHOOK_RETRY_SCHEDULE_MS, jitter: 0.1 },
      batch: options.concurrency,
      group: {
        table: 'webhook_endpoints',
        column: 'endpoint_id',
        inFlight: options.endpointConcurrency,
        enabledColumn: 'enabled',
        columns: ['url', 'sealed_secret', 'secret_version', 'sealed_previous_secret', 'previous_secret_expires_at'],
      },
    });
  }

  /** An event committed here is delivered now where this instance delivers (`worker`, `all`), not at the next turn. */
  onModuleInit(): void {
    this.events.onCommitted(() => this.jobs.nudge(WEBHOOK_DELIVERY_JOB));
    const pending = this.metrics.gauge(
      'ringfence_webhook_deliveries_pending',
      'Webhook deliveries not finished yet, every workspace together',
    );
    this.metrics.collectAtScrape(async () => pending.set(await this.pendingCount()));
  }

  @Job({ name: WEBHOOK_DELIVERY_JOB, scope: 'cluster', everyMs: 1000 })
  async deliveryTurn(signal: AbortSignal): Promise<void> {
    let pass = await this.deliverDue(signal);
    let unrecorded = pass.unrecorded ?? 0;
    let finishedDisabledAt = Date.now();
    // While events keep coming, a turn looks again every LINGER_MS, not a second later: a
    // delivery then leaves tens of milliseconds after its change commits. A turn ends after
    // LINGER_PASSES passes in a row that found nothing; what disabled endpoints hold is still
    // finished about every second, as between turns.
    for (let idle = 0; idle < LINGER_PASSES && !signal.aborted;) {
      idle = pass.delivered + pass.retried + pass.failed + pass.leaseLost > 0 ? 0 : idle + 1;
      await abortableSleep(LINGER_MS, signal);
      if (signal.aborted) break;
      if (Date.now() - finishedDisabledAt >= 1000) {
        finishedDisabledAt = Date.now();
        pass = await this.deliverDue(signal);
      } else pass = await this.pass(signal);
      unrecorded += pass.unrecorded ?? 0;
    }
    // The job list (GET /v1/admin/jobs) and the log show a database that refuses outcomes.
    if (unrecorded > 0) throw new OutcomesUnrecorded(unrecorded);
  }

  /** Finishes what waits for a disabled endpoint, then delivers until nothing is due or `signal` aborts. */
  async deliverDue(signal?: AbortSignal): Promise<OutboxPass> {
    await this.failWhatDisabledEndpointsHold();
    return this.pass(signal);
  }

  private async pass(signal?: AbortSignal): Promise<OutboxPass> {
    const pass = await this.outbox.deliverDue<DeliveryPayload, AttemptDetail>(this.table, (row) => this.deliver(row), {
      signal,
      afterRecords: (recorded) => this.recordAttempts(recorded),
      pollMs: 250,
    });
    if (pass.delivered > 0) this.metrics.webhookOutcomes.inc({ outcome: 'done' }, pass.delivered);
    if (pass.retried > 0) this.metrics.webhookOutcomes.inc({ outcome: 'retried' }, pass.retried);
    if (pass.failed > 0) this.metrics.webhookOutcomes.inc({ outcome: 'failed' }, pass.failed);
    return pass;
  }

  /** Deliveries not finished yet, in every workspace (the metrics' backlog; a count, nothing of whose). */
  pendingCount(): Promise<number> {
    return this.unitOfWork.run(
      async () => {
        const [row] = await sqlRows<{ pending: number }>(
          this.unitOfWork.manager,
          `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE status = 'pending'`,
        );
        return row!.pending;
      },
      { principal: DELIVERER },
    );
  }

  private async deliver(row: OutboxRow<DeliveryPayload>): Promise<DeliveryOutcome<AttemptDetail>> {
    const p = row.payload;
    const place = {
      workspaceId: p.workspace_id,
      environment: p.environment,
      endpointId: p.endpoint_id,
      secretVersion: p.group_secret_version,
    };
    const secrets: string[] = [];
    try {
      secrets.push(this.cipher.decrypt(p.group_sealed_secret, endpointSecretAad(place)).toString('utf8'));
      if (
        p.group_sealed_previous_secret &&
        p.group_previous_secret_expires_at &&
        p.group_previous_secret_expires_at.getTime() > Date.now()
      ) {
        secrets.push(this.cipher.decrypt(p.group_sealed_previous_secret, previousSecretAad(place)).toString('utf8'));
      }
    } catch {
      // Moved, altered, or sealed under a retired master key: it will not open on a retry either.
      return { outcome: 'failed', errorCode: 'secret_unreadable' };
    }
    const body = webhookBody({ type: p.event_type, occurredAt: p.occurred_at, payload: p.payload });
    const signed = signWebhook({ id: messageIdOf(p.event_id), timestamp: Math.floor(Date.now() / 1000), body }, secrets);
    const startedAt = new Date();
    const result = await deliverOnce({
      url: p.group_url,
      headers: { ...signed, 'content-type': 'application/json', 'user-agent': 'Ringfence-Webhooks/1' },
      body,
      policy: this.options.endpointPolicy,
      ...(this.options.timeouts ? { timeouts: this.options.timeouts } : {}),
    });
    this.metrics.webhookAttemptSeconds.observe(
      { result: result.outcome === 'delivered' ? 'delivered' : (result.errorClass ?? 'failed').replace(/^http_(\d)\d\d$/, 'http_$1xx') },
      result.latencyMs / 1000,
    );
    const detail: AttemptDetail = { endpointId: p.endpoint_id, workspaceId: p.workspace_id, environment: p.environment, startedAt, result };
    if (result.outcome === 'delivered') return { outcome: 'done', detail };
    const errorCode = result.errorClass ?? 'failed';
    // 410 Gone: the receiver says this endpoint is no more; it is disabled as the attempt is recorded.
    if (result.status === 410) return { outcome: 'failed', errorCode, detail };
    const notBeforeMs = result.retryAfterMs === undefined ? undefined : Math.min(result.retryAfterMs, MAX_RETRY_AFTER_MS);
    return { outcome: 'retry', errorCode, detail, ...(notBeforeMs === undefined ? {} : { notBeforeMs }) };
  }

  /** In the recording transaction: the attempts, in one statement, and what they mean for their endpoints. */
  private async recordAttempts(recorded: readonly RecordedDelivery<DeliveryPayload, AttemptDetail>[]): Promise<void> {
    const manager = this.unitOfWork.manager;
    const attempts = recorded.flatMap(({ row, outcome }) => (outcome.detail ? [{ row, detail: outcome.detail }] : []));
    if (attempts.length > 0) {
      await manager.query(
        `INSERT INTO webhook_delivery_attempts
           (delivery_id, attempt, workspace_id, environment, started_at, latency_ms, status_code, response_body, truncated, error_class)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::timestamptz[], $6::int[], $7::smallint[], $8::text[], $9::bool[], $10::text[])`,
        [
          attempts.map(({ row }) => row.id),
          attempts.map(({ row }) => row.attempt),
          attempts.map(({ detail }) => detail.workspaceId),
          attempts.map(({ detail }) => detail.environment),
          attempts.map(({ detail }) => detail.startedAt),
          attempts.map(({ detail }) => detail.result.latencyMs),
          attempts.map(({ detail }) => storedStatus(detail.result.status)),
          attempts.map(({ detail }) => storedBody(detail.result.responseBody)),
          attempts.map(({ detail }) => detail.result.truncated),
          attempts.map(({ detail }) => detail.result.errorClass ?? null),
        ],
      );
    }
    const succeeded = new Set<string>();
    const failing = new Set<string>();
    const gone = new Set<string>();
    for (const { detail } of attempts) {
      const { endpointId, result } = detail;
      if (result.outcome === 'delivered') succeeded.add(endpointId);
      else if (result.status === 410) gone.add(endpointId);
      else failing.add(endpointId);
    }
    if (succeeded.size > 0) {
      // At most once a minute per endpoint while it succeeds: the endpoint's row is the claims' lock.
      await manager.query(
        `UPDATE webhook_endpoints SET failing_since = NULL, last_success_at = now()
          WHERE id = ANY($1::uuid[]) AND (failing_since IS NOT NULL OR last_success_at IS NULL OR last_success_at < now() - interval '1 minute')`,
        [[...succeeded]],
      );
    }
    const stillFailing = [...failing].filter((id) => !succeeded.has(id));
    if (stillFailing.length > 0) {
      await manager.query(`UPDATE webhook_endpoints SET failing_since = now() WHERE id = ANY($1::uuid[]) AND failing_since IS NULL`, [
        stillFailing,
      ]);
    }
    const disabled = await sqlRows<{ id: string; workspace_id: string; environment: KeyEnvironment; disabled_reason: 'gone' | 'failing' }>(
      manager,
      `UPDATE webhook_endpoints
          SET enabled = false, disabled_at = now(), version = version + 1, updated_at = now(),
              disabled_reason = CASE WHEN id = ANY($1::uuid[]) THEN 'gone' ELSE 'failing' END
        WHERE enabled AND (id = ANY($1::uuid[]) OR (id = ANY($2::uuid[]) AND failing_since < now() - make_interval(days => $3)))
        RETURNING id, workspace_id, environment, disabled_reason`,
      [[...gone], stillFailing, this.options.disableAfterDays],
    );
    for (const endpoint of disabled) {
      const owner = { workspaceId: endpoint.workspace_id, environment: endpoint.environment };
      await this.audit.append({
        action: 'webhook_endpoint.disable',
        outcome: 'success',
        reason: endpoint.disabled_reason,
        target: { type: 'webhook_endpoint', id: endpoint.id },
        workspaceId: owner.workspaceId,
        environment: owner.environment,
        before: { enabled: true },
        after: { enabled: false, disabledReason: endpoint.disabled_reason },
      });
      await this.events.record(owner, {
        type: 'webhook.endpoint.disabled',
        subjectId: endpoint.id,
        payload: { endpointId: endpoint.id, reason: endpoint.disabled_reason },
      });
      this.logger.warn({ endpointId: endpoint.id, reason: endpoint.disabled_reason }, 'a webhook endpoint was disabled');
    }
  }

  /**
   * A disabled endpoint's deliveries that nobody holds are finished as failed
   * (endpoint_disabled), as the fan-out does for what arrives while it is disabled: recovering
   * the endpoint once it is enabled again sends them.
   */
  private async failWhatDisabledEndpointsHold(): Promise<void> {
    await this.unitOfWork.run(
      async () => {
        await this.unitOfWork.manager.query(
          `UPDATE webhook_deliveries d SET status = 'failed', finished_at = now(), last_error = 'endpoint_disabled'
             FROM webhook_endpoints e
            WHERE e.id = d.endpoint_id AND NOT e.enabled AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= now())`,
        );
      },
      { principal: DELIVERER },
    );
  }
}

/**
 * A status the column holds (100 to 599), or null: Node's parser takes any three digits
 * (`HTTP/1.1 999`), and one row the column refuses would fail the record of its whole batch,
 * every workspace's, again at every claim. The attempt's class (`http_999`) still says what came back.
 */
function storedStatus(status: number | undefined): number | null {
  return status !== undefined && status >= 100 && status <= 599 ? status : null;
}

/** At most 64 KiB of UTF-8, cut on a character boundary (the client read at most that many bytes). */
function storedBody(text: string): string | null {
  if (text.length === 0) return null;
  // PostgreSQL's text holds no NUL. Replaced before the cut: a replacement is three bytes where
  // the NUL was one, and a body over 64 KiB fails the column's check, and with it the batch's record.
  let stored = text.split(String.fromCharCode(0)).join('\uFFFD');
  while (Buffer.byteLength(stored, 'utf8') > 65536) stored = stored.slice(0, -1024);
  return stored;
}
