import { Injectable } from '@nestjs/common';
import { AuditTrail } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { DEFAULT_PAGE_SIZE, pageOf, positionOf } from '../../paging/keyset-page';
import type { WebhookOwner } from '../endpoints/webhook-endpoints';
import { messageIdOf, webhookBody } from '../events/webhook-message';
import { WebhookProblems } from '../webhooks.problems';
import { WebhookAttemptDto, WebhookDeliveryDetailDto, WebhookDeliveryDto, WebhookDeliveryPageDto } from './dto/webhook-delivery.dto';

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  payload: unknown;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  replay_of: string | null;
  created_at: Date;
  /** `created_at` to the microsecond, for the cursor. */
  created_text: string;
  finished_at: Date | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  latency_ms: number;
  status_code: number | null;
  response_body: string | null;
  truncated: boolean;
  error_class: string | null;
}

const COLUMNS = `id, endpoint_id, event_id, event_type, occurred_at, payload, status, attempts, next_attempt_at, last_error, replay_of,
  created_at, created_at::text AS created_text, finished_at`;

/** Recovery looks back this far at most. */
const RECOVER_WINDOW_DAYS = 30;
/** And queues at most this many deliveries per call (call again for the rest). */
const RECOVER_BATCH = 10_000;

function attemptView(row: AttemptRow, withBody: boolean): WebhookAttemptDto {
  return {
    attempt: row.attempt,
    startedAt: row.started_at.toISOString(),
    latencyMs: row.latency_ms,
    statusCode: row.status_code,
    errorClass: row.error_class,
    truncated: row.truncated,
    ...(withBody ? { responseBody: row.response_body } : {}),
  };
}

function deliveryView(row: DeliveryRow, attempts: WebhookAttemptDto[]): WebhookDeliveryDto {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    messageId: messageIdOf(row.event_id),
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastError: row.last_error,
    replayOf: row.replay_of,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    attemptLog: attempts,
  };
}

/**
 * A workspace's deliveries and their attempts, and sending them again. A finished delivery
 * never changes: a replay or a recovery is a new delivery of the same message (the same
 * `webhook-id`), pointing at the one it sends again.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly trail: AuditTrail,
  ) {}

  list(
    owner: WebhookOwner,
    query: { endpointId?: string; status?: string; eventType?: string; limit?: number; cursor?: string },
  ): Promise<WebhookDeliveryPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = positionOf(query.cursor, ['timestamp', 'uuid']);
    return this.unitOfWork.read(async () => {
      const manager = this.unitOfWork.manager;
      const rows = await sqlRows<DeliveryRow>(
        manager,
        `SELECT ${COLUMNS} FROM webhook_deliveries
          WHERE workspace_id = $1 AND environment = $2
            AND ($3::uuid IS NULL OR endpoint_id = $3) AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR event_type = $5)
            AND ($6::timestamptz IS NULL OR (created_at, id) < ($6::timestamptz, $7::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $8`,
        [
          owner.workspaceId,
          owner.environment,
          query.endpointId ?? null,
          query.status ?? null,
          query.eventType ?? null,
          position?.[0] ?? null,
          position?.[1] ?? null,
          limit + 1,
        ],
      );
      const attempts = await this.attemptsOf(
        owner,
        rows.slice(0, limit).map((row) => row.id),
        false,
      );
      return pageOf(
        rows,
        limit,
        (row) => deliveryView(row, attempts.get(row.id) ?? []),
        (row) => [row.created_text, row.id],
      );
    });
  }

  get(owner: WebhookOwner, id: string): Promise<WebhookDeliveryDetailDto> {
    return this.unitOfWork.read(async () => {
      const row = await this.find(owner, id);
      const attempts = await this.attemptsOf(owner, [id], true);
      return {
        ...deliveryView(row, attempts.get(id) ?? []),
        body: webhookBody({ type: row.event_type, occurredAt: row.occurred_at, payload: row.payload }),
      };
    });
  }

  /** Sends a finished delivery's message again, as a new delivery to the same endpoint. */
  async replay(owner: WebhookOwner, id: string): Promise<WebhookDeliveryDto> {
    const original = await this.find(owner, id);
    if (original.status === 'pending') throw WebhookProblems.DELIVERY_PENDING();
    await this.enabledEndpoint(owner, original.endpoint_id);
    const [row] = await sqlRows<DeliveryRow>(
      this.unitOfWork.manager,
      `INSERT INTO webhook_deliveries (endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload, replay_of)
       SELECT endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload, id
         FROM webhook_deliveries WHERE id = $1 AND workspace_id = $2 AND environment = $3
       RETURNING ${COLUMNS}`,
      [id, owner.workspaceId, owner.environment],
    );
    this.trail.record({
      target: { type: 'webhook_delivery', id: row!.id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      after: { replayOf: id, endpointId: original.endpoint_id, messageId: messageIdOf(original.event_id) },
    });
    return deliveryView(row!, []);
  }

  /**
   * Sends again every failed delivery of an enabled endpoint created since `since` that has
   * not been sent again already (the newest of each chain of replays), oldest first.
   */
  async recover(owner: WebhookOwner, endpointId: string, since: Date): Promise<{ queued: number }> {
    const earliest = Date.now() - RECOVER_WINDOW_DAYS * 24 * 3600_000;
    if (Number.isNaN(since.getTime()) || since.getTime() < earliest) {
      throw RequestProblems.VALIDATION_FAILED({
        errors: [{ field: 'since', messages: [`since must be within the last ${RECOVER_WINDOW_DAYS} days`] }],
      });
    }
    // One recovery of an endpoint at a time: the second sees the first's replays once it commits.
    await this.enabledEndpoint(owner, endpointId, 'NO KEY UPDATE');
    const [{ queued } = { queued: 0 }] = await sqlRows<{ queued: number }>(
      this.unitOfWork.manager,
      `WITH again AS (
         INSERT INTO webhook_deliveries (endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload, replay_of)
         SELECT d.endpoint_id, d.workspace_id, d.environment, d.event_id, d.event_type, d.occurred_at, d.payload, d.id
           FROM webhook_deliveries d
          WHERE d.endpoint_id = $1 AND d.workspace_id = $2 AND d.environment = $3 AND d.status = 'failed' AND d.created_at >= $4
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries r WHERE r.replay_of = d.id)
          ORDER BY d.created_at LIMIT $5
         RETURNING 1)
       SELECT count(*)::int AS queued FROM again`,
      [endpointId, owner.workspaceId, owner.environment, since, RECOVER_BATCH],
    );
    this.trail.record({
      target: { type: 'webhook_endpoint', id: endpointId },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      after: { recovered: { since: since.toISOString(), queued } },
    });
    return { queued };
  }

  private async enabledEndpoint(owner: WebhookOwner, endpointId: string, lock: 'SHARE' | 'NO KEY UPDATE' = 'SHARE'): Promise<void> {
    const [endpoint] = await sqlRows<{ enabled: boolean }>(
      this.unitOfWork.manager,
      `SELECT enabled FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND environment = $3 FOR ${lock}`,
      [endpointId, owner.workspaceId, owner.environment],
    );
    if (!endpoint) throw RequestProblems.NOT_FOUND({ detail: 'No such webhook endpoint.' });
    if (!endpoint.enabled) throw WebhookProblems.ENDPOINT_DISABLED();
  }

  private async find(owner: WebhookOwner, id: string): Promise<DeliveryRow> {
    const [row] = await sqlRows<DeliveryRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = $1 AND workspace_id = $2 AND environment = $3`,
      [id, owner.workspaceId, owner.environment],
    );
    if (!row) throw RequestProblems.NOT_FOUND({ detail: 'No such webhook delivery.' });
    return row;
  }

  private async attemptsOf(owner: WebhookOwner, ids: string[], withBody: boolean): Promise<Map<string, WebhookAttemptDto[]>> {
    const byDelivery = new Map<string, WebhookAttemptDto[]>();
    if (ids.length === 0) return byDelivery;
    const rows = await sqlRows<AttemptRow>(
      this.unitOfWork.manager,
      `SELECT delivery_id, attempt, started_at, latency_ms, status_code, ${withBody ? 'response_body' : 'NULL AS response_body'}, truncated, error_class
         FROM webhook_delivery_attempts WHERE delivery_id = ANY($1::uuid[]) AND workspace_id = $2 AND environment = $3
        ORDER BY delivery_id, attempt`,
      [ids, owner.workspaceId, owner.environment],
    );
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push(attemptView(row, withBody));
      byDelivery.set(row.delivery_id, list);
    }
    return byDelivery;
  }
}
