import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, declareAuditRedactions } from '@ringfence/audit';
import { AesGcmCipher, declareSealedColumn } from '@ringfence/crypto';
import { RequestProblems } from '@ringfence/problems';
import { DomainEvents, KeyEnvironment, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { createHash, randomUUID } from 'node:crypto';
import { ALL_EVENTS, EVENT_TYPES } from '../events/event-catalogue';
import { newWebhookSecret } from '../signing/standard-webhooks';
import { checkEndpointUrl, EndpointRefusal, resolveCheckedAddress } from '../ssrf/endpoint-guard';
import { WEBHOOKS_OPTIONS, WebhooksOptions } from '../webhooks.options';
import { WebhookProblems } from '../webhooks.problems';
import { CreatedWebhookEndpointDto, RotatedWebhookSecretDto, WebhookEndpointDto } from './dto/webhook-endpoint.dto';

/** Whose endpoints: a key's workspace and environment, or the ones an admin names. */
export interface WebhookOwner {
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
}

/** Where a secret sits: what its AAD binds (the column, the workspace, environment, endpoint and secret version). */
export interface SecretPlace {
  readonly workspaceId: string;
  readonly environment: string;
  readonly endpointId: string;
  readonly secretVersion: number | string;
}

export function endpointSecretAad(place: SecretPlace): string {
  return `webhook_endpoints.sealed_secret|${place.workspaceId}|${place.environment}|${place.endpointId}|${place.secretVersion}`;
}

/** The previous secret is bound to its own column and to the version it was (one below the current). */
export function previousSecretAad(place: SecretPlace): string {
  return `webhook_endpoints.sealed_previous_secret|${place.workspaceId}|${place.environment}|${place.endpointId}|${Number(place.secretVersion) - 1}`;
}

const placeOf = (row: { id: string; [column: string]: string }): SecretPlace => ({
  workspaceId: row['workspace_id'] ?? '',
  environment: row['environment'] ?? '',
  endpointId: row.id,
  secretVersion: row['secret_version'] ?? '',
});
const BOUND = ['workspace_id', 'environment', 'secret_version'];
declareSealedColumn({
  table: 'webhook_endpoints',
  column: 'sealed_secret',
  idColumn: 'id',
  bindColumns: BOUND,
  aad: (row) => endpointSecretAad(placeOf(row)),
});
declareSealedColumn({
  table: 'webhook_endpoints',
  column: 'sealed_previous_secret',
  idColumn: 'id',
  bindColumns: BOUND,
  aad: (row) => previousSecretAad(placeOf(row)),
});
// A secret never reaches an audit row, whoever records one about an endpoint.
declareAuditRedactions('webhook_endpoint', ['secret', 'sealedSecret', 'sealed_secret', 'sealed_previous_secret']);

interface EndpointRow {
  id: string;
  workspace_id: string;
  environment: KeyEnvironment;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  secret_version: number;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  last_success_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, workspace_id, environment, url, description, event_types, enabled, disabled_reason, disabled_at, secret_version,
  previous_secret_expires_at, failing_since, last_success_at, created_at, updated_at`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function endpointView(row: EndpointRow): WebhookEndpointDto {
  return {
    id: row.id,
    environment: row.environment,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    secretVersion: row.secret_version,
    previousSecretExpiresAt: iso(row.previous_secret_expires_at),
    failingSince: iso(row.failing_since),
    lastSuccessAt: iso(row.last_success_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** What an audit row says of a URL: its origin and a digest of the whole (a path or query may carry the receiver's token). */
export function auditedUrl(url: string): { origin: string; sha256: string } {
  return { origin: new URL(url).origin, sha256: createHash('sha256').update(url).digest('hex') };
}

/**
 * A workspace's webhook endpoints (docs/adr/0021-webhook-delivery.md). The URL passes the
 * SSRF guard on every write (and again at every delivery); the signing secret is ours,
 * shown once, sealed under the master keyring and bound to its place. Every statement names
 * the owner's workspace and environment, and row-level security holds the same line.
 */
@Injectable()
export class WebhookEndpoints {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly cipher: AesGcmCipher,
    private readonly trail: AuditTrail,
    private readonly events: DomainEvents,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  /** The workspace an admin names, if it exists and is not deleted. */
  workspace(workspaceId: string, environment: KeyEnvironment): Promise<WebhookOwner> {
    return this.unitOfWork.read(async () => {
      const [row] = await sqlRows<{ id: string }>(
        this.unitOfWork.manager,
        `SELECT id FROM workspaces WHERE id = $1 AND status <> 'deleted'`,
        [workspaceId],
      );
      if (!row) throw RequestProblems.NOT_FOUND({ detail: 'No such workspace.' });
      return { workspaceId, environment };
    });
  }

  async create(
    owner: WebhookOwner,
    input: { url: string; description?: string | null; eventTypes?: string[] },
  ): Promise<CreatedWebhookEndpointDto> {
    const url = await this.checkedUrl(input.url);
    const eventTypes = checkedEventTypes(input.eventTypes ?? [ALL_EVENTS]);
    const manager = this.unitOfWork.manager;
    // One creator at a time per workspace and environment, so the count below is the count at insert.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook-endpoints:' || $1 || ':' || $2, 0))`, [
      owner.workspaceId,
      owner.environment,
    ]);
    const [{ count } = { count: '0' }] = await sqlRows<{ count: string }>(
      manager,
      'SELECT count(*) AS count FROM webhook_endpoints WHERE workspace_id = $1 AND environment = $2',
      [owner.workspaceId, owner.environment],
    );
    if (Number(count) >= this.options.maxEndpoints) {
      throw WebhookProblems.ENDPOINT_LIMIT_REACHED({
        detail: `This workspace holds its maximum of ${this.options.maxEndpoints} endpoints in this environment.`,
      });
    }
    const id = randomUUID();
    const secret = newWebhookSecret();
    const sealed = this.cipher.encrypt(Buffer.from(secret, 'utf8'), endpointSecretAad({ ...owner, endpointId: id, secretVersion: 1 }));
    const [row] = await sqlRows<EndpointRow>(
      manager,
      `INSERT INTO webhook_endpoints (id, workspace_id, environment, url, description, event_types, sealed_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [id, owner.workspaceId, owner.environment, url, input.description ?? null, eventTypes, sealed],
    );
    const view = endpointView(row!);
    this.trail.record({
      target: { type: 'webhook_endpoint', id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      after: { url: auditedUrl(url), description: view.description, eventTypes, enabled: true, secretVersion: 1 },
    });
    return { ...view, secret };
  }

  list(owner: WebhookOwner): Promise<WebhookEndpointDto[]> {
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<EndpointRow>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND environment = $2 ORDER BY created_at, id`,
        [owner.workspaceId, owner.environment],
      );
      return rows.map(endpointView);
    });
  }

  get(owner: WebhookOwner, id: string): Promise<WebhookEndpointDto> {
    return this.unitOfWork.read(async () => endpointView(await this.find(owner, id, false)));
  }

  async update(
    owner: WebhookOwner,
    id: string,
    input: { url?: string; description?: string | null; eventTypes?: string[]; enabled?: boolean },
  ): Promise<WebhookEndpointDto> {
    const url = input.url === undefined ? undefined : await this.checkedUrl(input.url);
    const eventTypes = input.eventTypes === undefined ? undefined : checkedEventTypes(input.eventTypes);
    const before = await this.find(owner, id, true);
    const enabling = input.enabled === true && !before.enabled;
    const disabling = input.enabled === false && before.enabled;
    const [row] = await sqlRows<EndpointRow>(
      this.unitOfWork.manager,
      `UPDATE webhook_endpoints
          SET url = coalesce($4, url),
              description = CASE WHEN $5 THEN $6 ELSE description END,
              event_types = coalesce($7, event_types),
              enabled = CASE WHEN $8 THEN true WHEN $9 THEN false ELSE enabled END,
              disabled_reason = CASE WHEN $8 THEN NULL WHEN $9 THEN 'manual' ELSE disabled_reason END,
              disabled_at = CASE WHEN $8 THEN NULL WHEN $9 THEN now() ELSE disabled_at END,
              failing_since = CASE WHEN $8 THEN NULL ELSE failing_since END,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND environment = $3 RETURNING ${COLUMNS}`,
      [
        id,
        owner.workspaceId,
        owner.environment,
        url ?? null,
        input.description !== undefined,
        input.description ?? null,
        eventTypes ?? null,
        enabling,
        disabling,
      ],
    );
    const after = endpointView(row!);
    this.trail.record({
      target: { type: 'webhook_endpoint', id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      before: auditedView(endpointView(before)),
      after: auditedView(after),
    });
    return after;
  }

  async delete(owner: WebhookOwner, id: string): Promise<void> {
    const before = await this.find(owner, id, true);
    await this.unitOfWork.manager.query('DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND environment = $3', [
      id,
      owner.workspaceId,
      owner.environment,
    ]);
    this.trail.record({
      target: { type: 'webhook_endpoint', id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      before: auditedView(endpointView(before)),
    });
  }

  /**
   * A new secret, shown once; the one it replaces keeps signing beside it for `graceHours`
   * (both signatures in the one header), or stops at once with 0. A secret still in its
   * grace from an earlier rotation stops now.
   */
  async rotateSecret(owner: WebhookOwner, id: string, input: { graceHours?: number }): Promise<RotatedWebhookSecretDto> {
    const graceHours = input.graceHours ?? this.options.rotationGraceHours;
    const manager = this.unitOfWork.manager;
    await this.find(owner, id, true);
    const [current] = await sqlRows<{ sealed_secret: Buffer; secret_version: number }>(
      manager,
      'SELECT sealed_secret, secret_version FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND environment = $3',
      [id, owner.workspaceId, owner.environment],
    );
    const version = current!.secret_version + 1;
    const place = { ...owner, endpointId: id };
    let previous: Buffer | null = null;
    if (graceHours > 0) {
      const old = this.cipher.decrypt(current!.sealed_secret, endpointSecretAad({ ...place, secretVersion: current!.secret_version }));
      previous = this.cipher.encrypt(old, previousSecretAad({ ...place, secretVersion: version }));
      old.fill(0);
    }
    const secret = newWebhookSecret();
    const sealed = this.cipher.encrypt(Buffer.from(secret, 'utf8'), endpointSecretAad({ ...place, secretVersion: version }));
    const [row] = await sqlRows<EndpointRow>(
      manager,
      `UPDATE webhook_endpoints
          SET sealed_secret = $4, secret_version = $5, sealed_previous_secret = $6,
              previous_secret_expires_at = CASE WHEN $6::bytea IS NULL THEN NULL ELSE now() + make_interval(hours => $7) END,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND environment = $3 RETURNING ${COLUMNS}`,
      [id, owner.workspaceId, owner.environment, sealed, version, previous, graceHours],
    );
    const view = endpointView(row!);
    this.trail.record({
      target: { type: 'webhook_endpoint', id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      before: { secretVersion: version - 1 },
      after: { secretVersion: version, previousSecretExpiresAt: view.previousSecretExpiresAt },
    });
    return { ...view, secret };
  }

  /** Sends `webhook.test` to this endpoint alone (whatever it subscribes to); answers the delivery's id. */
  async test(owner: WebhookOwner, id: string): Promise<{ deliveryId: string; eventId: string }> {
    // Locked: a disable committed between this look and the fan-out would leave the event no delivery.
    const endpoint = await this.find(owner, id, true);
    if (!endpoint.enabled) throw WebhookProblems.ENDPOINT_DISABLED();
    await this.events.record(owner, {
      type: 'webhook.test',
      subjectId: id,
      payload: { endpointId: id, message: 'This is a test event from Ringfence.' },
    });
    // The fan-out made its one delivery in this transaction (now() is the transaction's time).
    const [delivery] = await sqlRows<{ id: string; event_id: string }>(
      this.unitOfWork.manager,
      `SELECT id, event_id FROM webhook_deliveries
        WHERE endpoint_id = $1 AND workspace_id = $2 AND environment = $3 AND event_type = 'webhook.test' AND created_at = now()`,
      [id, owner.workspaceId, owner.environment],
    );
    this.trail.record({
      target: { type: 'webhook_endpoint', id },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      after: { test: { deliveryId: delivery!.id } },
    });
    return { deliveryId: delivery!.id, eventId: delivery!.event_id };
  }

  private async find(owner: WebhookOwner, id: string, forUpdate: boolean): Promise<EndpointRow> {
    const [row] = await sqlRows<EndpointRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND environment = $3${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, owner.workspaceId, owner.environment],
    );
    if (!row) throw RequestProblems.NOT_FOUND({ detail: 'No such webhook endpoint.' });
    return row;
  }

  /** The URL as the parser made it, if the guard takes it and its host resolves to allowed addresses only. */
  private async checkedUrl(text: string): Promise<string> {
    const policy = this.options.endpointPolicy;
    const checked = checkEndpointUrl(text, policy);
    if (!checked.ok) throw urlRefused(checked);
    const resolved = await resolveCheckedAddress(checked.hostname, undefined, policy);
    // One answer whether the host does not resolve or resolves to an address refused: which
    // one it was would tell a key holder what names this host's resolver knows internally.
    if (!resolved.ok)
      throw urlRefused({ ok: false, code: 'address_forbidden', message: 'url: the host must resolve to public addresses only' });
    return checked.url.href;
  }
}

/** The guard's rule by name (`address_forbidden`), for the client; its message names the field and never quotes the URL. */
function urlRefused(refusal: EndpointRefusal) {
  return WebhookProblems.ENDPOINT_URL_REFUSED({ detail: refusal.message, errors: [{ field: 'url', messages: [refusal.code] }] });
}

function checkedEventTypes(types: readonly string[]): string[] {
  const unique = [...new Set(types)];
  if (unique.includes(ALL_EVENTS)) {
    if (unique.length > 1)
      throw WebhookProblems.UNKNOWN_EVENT_TYPE({ detail: `"${ALL_EVENTS}" subscribes to every event type and stands alone.` });
    return unique;
  }
  const unknown = unique.filter((type) => !EVENT_TYPES.has(type));
  if (unknown.length > 0 || unique.length === 0) {
    throw WebhookProblems.UNKNOWN_EVENT_TYPE({
      detail:
        unique.length === 0 ? 'Subscribe to at least one event type, or "*".' : `Not in the catalogue: ${unknown.slice(0, 5).join(', ')}.`,
    });
  }
  return unique.sort();
}

function auditedView(view: WebhookEndpointDto): Record<string, unknown> {
  return { url: auditedUrl(view.url), description: view.description, eventTypes: view.eventTypes, enabled: view.enabled };
}
