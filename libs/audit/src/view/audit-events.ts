import { Injectable } from '@nestjs/common';
import { KeyEnvironment, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import type { AuditActorType, AuditOutcome } from '../audit-row';
import { AuditProblems } from '../audit.problems';

/** What the auditors' view may be filtered by; every field narrows, none widens. */
export interface AuditEventFilter {
  readonly workspaceId?: string;
  /** Exact (`workspace.update`), or a prefix when it ends with a dot (`vault.`). */
  readonly action?: string;
  readonly actorType?: AuditActorType;
  readonly actorId?: string;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly outcome?: AuditOutcome;
  readonly from?: Date;
  readonly to?: Date;
}

export interface AuditEventView {
  readonly id: string;
  readonly occurredAt: string;
  readonly workspaceId: string | null;
  readonly actor: { readonly type: AuditActorType; readonly id: string | null };
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null } | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly outcome: AuditOutcome;
  readonly reason: string | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  /** The server's id of the request that wrote the row. */
  readonly requestId: string | null;
  /** The well-formed X-Request-Id the client sent, if any. */
  readonly clientRequestId: string | null;
  /** The acting key's environment; null for admins and the system. */
  readonly environment: KeyEnvironment | null;
}

interface EventRow {
  id: string;
  occurred_at: Date;
  workspace_id: string | null;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  outcome: AuditOutcome;
  reason: string | null;
  client_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  client_request_id: string | null;
  environment: KeyEnvironment | null;
}

export const AUDIT_PAGE_MAX = 200;
/** Rows per round trip of an export: memory stays at one batch whatever the range. */
export const AUDIT_EXPORT_BATCH = 1000;

/**
 * The one view of the audit log for auditors and for a workspace's own keys: the same
 * query, scoped by who asks (row-level security: the platform path sees every
 * workspace, a key its own). Newest first, keyset-paginated by id, so a page never
 * shifts when rows arrive meanwhile.
 */
@Injectable()
export class AuditEvents {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
  ) {}

  async page(
    filter: AuditEventFilter,
    options: { afterCursor?: string; limit: number },
  ): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(options.limit, 1), AUDIT_PAGE_MAX);
    const before = options.afterCursor === undefined ? undefined : decodeCursor(options.afterCursor);
    const rows = await this.fetch(this.forCaller(filter), before, limit + 1);
    const events = rows.slice(0, limit).map(view);
    return { events, nextCursor: rows.length > limit ? encodeCursor(events.at(-1)!.id) : null };
  }

  /**
   * Every matching row, newest first, fetched AUDIT_EXPORT_BATCH at a time as the reader
   * pulls: rows that arrive during the export are after its start and are not included.
   */
  async *export(filter: AuditEventFilter): AsyncGenerator<AuditEventView> {
    const scoped = this.forCaller(filter);
    let before: string | undefined;
    for (;;) {
      // A batch may scan far for a narrow filter over a large log: the long-running allowance.
      const rows = await this.fetch(scoped, before, AUDIT_EXPORT_BATCH, { longRunning: true });
      for (const row of rows) yield view(row);
      if (rows.length < AUDIT_EXPORT_BATCH) return;
      before = rows.at(-1)!.id;
    }
  }

  /**
   * A key's own workspace and environment, stated in the query as well as enforced by
   * row-level security: the policies are OR'ed with the platform path's, which keeps the
   * workspace index out, so without this a key's read cost the whole platform log's scan
   * (an outside review starved the pool for every tenant with one key's exports).
   */
  private forCaller(filter: AuditEventFilter): ScopedFilter {
    const caller = this.context.principal;
    return caller.kind === 'api_key' ? { ...filter, workspaceId: caller.workspaceId, environment: caller.environment } : filter;
  }

  /** One read-only round trip: up to `limit` rows below id `before`, newest first, as the caller's RLS allows. */
  private fetch(
    filter: ScopedFilter,
    before: string | undefined,
    limit: number,
    options: { longRunning?: boolean } = {},
  ): Promise<EventRow[]> {
    const { where, values } = conditions(filter);
    if (before !== undefined) {
      values.push(before);
      where.push(`id < $${values.length}`);
    }
    values.push(limit);
    return this.unitOfWork.read(
      () =>
        sqlRows<EventRow>(
          this.unitOfWork.manager,
          `SELECT id, occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason,
                host(client_ip) AS client_ip, user_agent, request_id, client_request_id, environment
           FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY id DESC LIMIT $${values.length}`,
          values,
        ),
      options,
    );
  }
}

/** Parameterised conditions for a filter (values never enter the SQL text). */
/** A filter as the query runs it: a key's also names its environment (rows without one count as live). */
type ScopedFilter = AuditEventFilter & { readonly environment?: KeyEnvironment };

function conditions(filter: ScopedFilter): { where: string[]; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (filter.workspaceId !== undefined) add((p) => `workspace_id = ${p}`, filter.workspaceId);
  if (filter.environment !== undefined) add((p) => `coalesce(environment, 'live') = ${p}`, filter.environment);
  if (filter.action !== undefined) {
    if (filter.action.endsWith('.')) {
      // A prefix as a byte-wise range (text_pattern_ops): index-friendly and leakproof, so
      // row-level security lets the index serve it (LIKE is not leakproof).
      add((p) => `action ~>=~ ${p}`, filter.action);
      add(
        (p) => `action ~<~ ${p}`,
        `${filter.action.slice(0, -1)}${String.fromCharCode(filter.action.charCodeAt(filter.action.length - 1) + 1)}`,
      );
    } else add((p) => `action = ${p}`, filter.action);
  }
  if (filter.actorType !== undefined) add((p) => `actor_type = ${p}`, filter.actorType);
  if (filter.actorId !== undefined) add((p) => `actor_id = ${p}`, filter.actorId);
  if (filter.targetType !== undefined) add((p) => `target_type = ${p}`, filter.targetType);
  if (filter.targetId !== undefined) add((p) => `target_id = ${p}`, filter.targetId);
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, filter.outcome);
  if (filter.from !== undefined) add((p) => `occurred_at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `occurred_at < ${p}`, filter.to);
  return { where, values };
}

function view(row: EventRow): AuditEventView {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    workspaceId: row.workspace_id,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    before: row.before,
    after: row.after,
    outcome: row.outcome,
    reason: row.reason,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    clientRequestId: row.client_request_id,
    environment: row.environment,
  };
}

/** Opaque to clients; an id underneath. */
function encodeCursor(id: string): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^a:(\d{1,19})$/.exec(decoded);
  if (!match || BigInt(match[1]!) > 9_223_372_036_854_775_807n) throw AuditProblems.INVALID_CURSOR();
  return match[1]!;
}
