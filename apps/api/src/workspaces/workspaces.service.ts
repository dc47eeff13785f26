import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail } from '@ringfence/audit';
import { DEFAULT_PLAN, planLimitsOf, RATE_LIMIT_OPTIONS, RateLimitOptions } from '@ringfence/limits';
import { RequestProblems } from '@ringfence/problems';
import { actorLabel, DomainEvents, prepared, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { isUUID } from 'class-validator';
import { ApiKeyAuthenticator } from './api-keys/api-key.authenticator';
import { WorkspaceDto } from './dto/workspace.dto';
import { WorkspaceOrigins } from './workspace-origins';
import { WorkspaceProblems } from './workspaces.problems';
import { DEFAULT_PAGE_SIZE, Page, pageOf, positionOf } from '../paging/keyset-page';

interface WorkspaceRow {
  id: string;
  name: string;
  status: 'active' | 'suspended' | 'deleted';
  plan: string;
  allowed_origins: string[];
  created_at: Date;
}

const COLUMNS = 'id, name, status, plan, allowed_origins, created_at';

export function workspaceView(row: WorkspaceRow): WorkspaceDto {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    plan: row.plan,
    allowedOrigins: row.allowed_origins,
    createdAt: row.created_at.toISOString(),
  };
}

/** Workspaces, admin side: platform paths only (the admin principal sets `app.platform`). */
@Injectable()
export class WorkspacesService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly trail: AuditTrail,
    private readonly authenticator: ApiKeyAuthenticator,
    @Inject(RATE_LIMIT_OPTIONS) private readonly limits: RateLimitOptions,
    private readonly origins: WorkspaceOrigins,
    private readonly context: RequestContext,
    private readonly events: DomainEvents,
  ) {}

  async create(input: { name: string; plan?: string; allowedOrigins?: string[] }): Promise<WorkspaceDto> {
    this.assertKnownPlan(input.plan);
    const [row] = await sqlRows<WorkspaceRow>(
      this.unitOfWork.manager,
      `INSERT INTO workspaces (name, plan, allowed_origins) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [input.name, input.plan ?? DEFAULT_PLAN, input.allowedOrigins ?? []],
    );
    const view = workspaceView(row!);
    this.origins.changed(view);
    this.trail.record({
      target: { type: 'workspace', id: view.id },
      after: { name: view.name, plan: view.plan, allowedOrigins: view.allowedOrigins },
    });
    return view;
  }

  /**
   * Newest first, a page at a time (keyset on creation time and id), optionally only those
   * whose name contains `search` (case-insensitive, taken literally: no pattern characters)
   * and only those in `status`; the filters narrow the rows, the keyset order stays the same.
   */
  list(query: { limit?: number; cursor?: string; search?: string; status?: 'active' | 'suspended' } = {}): Promise<Page<WorkspaceDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = positionOf(query.cursor, ['timestamp', 'uuid']);
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<WorkspaceRow & { page_at: string }>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS}, created_at::text AS page_at FROM workspaces
          WHERE status <> 'deleted' AND ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
            AND ($4::text IS NULL OR strpos(lower(name), lower($4)) > 0) AND ($5::text IS NULL OR status = $5)
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [before?.[0] ?? null, before?.[1] ?? null, limit + 1, query.search ?? null, query.status ?? null],
      );
      return pageOf(rows, limit, workspaceView, (row) => [row.page_at, row.id]);
    });
  }

  async get(id: string): Promise<WorkspaceDto> {
    const row = await this.unitOfWork.read(() => this.find(id));
    if (!row) throw RequestProblems.NOT_FOUND();
    return workspaceView(row);
  }

  /**
   * A plan or origin change reaches the workspace's keys on every instance (they carry both).
   * One statement locks the row, reads its before-image and updates it: the sub-select's
   * FOR UPDATE takes the lock (and reads the latest committed version, as the SELECT …
   * FOR UPDATE it replaces did) before the UPDATE writes (docs/adr/0018-audited-mutation-speed.md).
   */
  async update(id: string, change: { name?: string; plan?: string; allowedOrigins?: string[] }): Promise<WorkspaceDto> {
    this.assertKnownPlan(change.plan);
    if (!isUUID(id)) throw RequestProblems.NOT_FOUND();
    const [row] = await sqlRows<WorkspaceRow & { before_name: string; before_plan: string; before_allowed_origins: string[] }>(
      this.unitOfWork.manager,
      prepared(
        'ringfence_workspace_update',
        `UPDATE workspaces w SET name = coalesce($2, w.name), plan = coalesce($3, w.plan), allowed_origins = coalesce($4, w.allowed_origins),
              updated_at = now(), version = w.version + 1
         FROM (SELECT id, name, plan, allowed_origins FROM workspaces WHERE id = $1 AND status <> 'deleted' FOR UPDATE) old
        WHERE w.id = old.id
       RETURNING w.id, w.name, w.status, w.plan, w.allowed_origins, w.created_at,
                 old.name AS before_name, old.plan AS before_plan, old.allowed_origins AS before_allowed_origins`,
      ),
      [id, change.name ?? null, change.plan ?? null, change.allowedOrigins ?? null],
    );
    if (!row) throw RequestProblems.NOT_FOUND();
    this.authenticator.forgetWorkspace(id);
    const after = workspaceView(row);
    this.origins.changed(after);
    this.trail.record({
      target: { type: 'workspace', id },
      before: { name: row.before_name, plan: row.before_plan, allowedOrigins: row.before_allowed_origins },
      after: { name: after.name, plan: after.plan, allowedOrigins: after.allowedOrigins },
    });
    return after;
  }

  /**
   * A soft delete: the workspace disappears from every list and route, and its keys are
   * refused from the next request on. Its rows stay until the purge (a later job).
   */
  async delete(id: string): Promise<void> {
    const before = await this.find(id, { lock: true });
    if (!before) throw RequestProblems.NOT_FOUND();
    await this.unitOfWork.manager.query(
      `UPDATE workspaces SET status = 'deleted', deleted_at = now(), updated_at = now(), version = version + 1 WHERE id = $1`,
      [id],
    );
    this.authenticator.forgetWorkspace(id);
    this.origins.changed({ id, status: 'deleted', allowedOrigins: [] });
    this.trail.record({ target: { type: 'workspace', id }, before: { status: before.status }, after: { status: 'deleted' } });
  }

  /** Suspends or reactivates; a suspended workspace's keys are refused from the next request on. */
  async setStatus(id: string, status: 'active' | 'suspended'): Promise<WorkspaceDto> {
    const before = await this.find(id, { lock: true });
    if (!before || before.status === 'deleted') throw RequestProblems.NOT_FOUND();
    if (before.status === status) return workspaceView(before);
    const [row] = await sqlRows<WorkspaceRow>(
      this.unitOfWork.manager,
      `UPDATE workspaces SET status = $2, updated_at = now(), version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status],
    );
    this.authenticator.forgetWorkspace(id);
    const after = workspaceView(row!);
    this.origins.changed(after);
    this.trail.record({ target: { type: 'workspace', id }, before: { status: before.status }, after: { status } });
    if (status === 'suspended') {
      // Both environments' endpoints hear it: each environment is its own subscriber.
      for (const environment of ['live', 'test'] as const) {
        await this.events.record(
          { workspaceId: id, environment },
          { type: 'workspace.suspended', subjectId: id, payload: { workspaceId: id, suspendedBy: actorLabel(this.context.principal) } },
        );
      }
    }
    return after;
  }

  /** A plan must be one of the configured catalogue's: it decides the workspace's limits. */
  private assertKnownPlan(plan: string | undefined): void {
    if (plan === undefined || planLimitsOf(this.limits.plans, plan)) return;
    throw WorkspaceProblems.UNKNOWN_PLAN({ detail: `Unknown plan. Known plans: ${Object.keys(this.limits.plans).join(', ')}.` });
  }

  /** In the current unit of work; deleted workspaces are not found. */
  async find(id: string, options: { lock?: boolean } = {}): Promise<WorkspaceRow | undefined> {
    if (!isUUID(id)) return undefined;
    const [row] = await sqlRows<WorkspaceRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM workspaces WHERE id = $1 AND status <> 'deleted'${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row;
  }
}
