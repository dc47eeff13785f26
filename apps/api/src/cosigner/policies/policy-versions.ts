import { Injectable } from '@nestjs/common';
import { AuditTrail } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { actorLabel, DomainEvents, KeyEnvironment, RequestContext, prepared, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { createHash } from 'node:crypto';
import { CosignerProblems } from '../cosigner.problems';
import { PolicyDocument, validatePolicy } from '../policy/policy-document';

/** Whose policy: a workspace and one of its environments (a test key never sees the live policy). */
export interface PolicyOwner {
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
}

export type PolicyState = 'draft' | 'active' | 'retired' | 'discarded';

export interface PolicyVersionView {
  version: number;
  state: PolicyState;
  note: string | null;
  /** SHA-256 of the document as stored (canonical JSON), hex: what the audit rows name. */
  sha256: string;
  rules: number;
  createdAt: string;
  createdBy: string;
  activatedAt: string | null;
  activatedBy: string | null;
  retiredAt: string | null;
}

export interface PolicyVersionDetail extends PolicyVersionView {
  document: PolicyDocument;
}

interface VersionRow {
  id: string;
  version: number;
  state: PolicyState;
  note: string | null;
  document: PolicyDocument;
  created_at: Date;
  created_by: string;
  activated_at: Date | null;
  activated_by: string | null;
  retired_at: Date | null;
}

const COLUMNS = 'id, version, state, note, document, created_at, created_by, activated_at, activated_by, retired_at';

/** The active version a decision reads: its row id (what transfers and answers record) and the validated document. */
export interface ActivePolicy {
  readonly id: string;
  readonly version: number;
  readonly document: PolicyDocument;
}

/** Validated documents by version row id: a version never changes once written, so it is validated once per process. */
const VALIDATED_CACHE_MAX = 1000;

function documentSha256(document: PolicyDocument): string {
  return createHash('sha256').update(JSON.stringify(document)).digest('hex');
}

function view(row: VersionRow): PolicyVersionView {
  return {
    version: row.version,
    state: row.state,
    note: row.note,
    sha256: documentSha256(row.document),
    rules: row.document.rules.length,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    activatedAt: row.activated_at?.toISOString() ?? null,
    activatedBy: row.activated_by,
    retiredAt: row.retired_at?.toISOString() ?? null,
  };
}

/**
 * A workspace's cosigner policy, per environment: immutable versions, at most one draft
 * and one active. A draft is written whole (validated on write: every error with its
 * path), replacing the previous draft, which is kept as discarded; activating the draft
 * retires the active version. Every change is audited with before and after, and an
 * activation announces `policy.activated` in the same transaction.
 */
@Injectable()
export class PolicyVersions {
  private readonly validated = new Map<string, PolicyDocument>();

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly trail: AuditTrail,
    private readonly events: DomainEvents,
  ) {}

  /** An admin's view of a workspace's policy: the workspace must exist and not be deleted (else 404). */
  workspace(workspaceId: string, environment: KeyEnvironment): Promise<PolicyOwner> {
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

  /** The draft, validated, written as the next version; the previous draft is discarded. */
  async saveDraft(owner: PolicyOwner, input: { document: unknown; note?: string }): Promise<PolicyVersionDetail> {
    const checked = validatePolicy(input.document);
    if (checked.errors) {
      throw RequestProblems.VALIDATION_FAILED({
        detail: 'The policy document is not valid; each error names its path.',
        errors: checked.errors.map((error) => ({ field: `document${error.path ? `.${error.path}` : ''}`, messages: [error.message] })),
      });
    }
    const manager = this.unitOfWork.manager;
    await this.lock(owner);
    const [discarded] = await sqlRows<VersionRow>(
      manager,
      `UPDATE policy_versions SET state = 'discarded' WHERE workspace_id = $1 AND environment = $2 AND state = 'draft' RETURNING ${COLUMNS}`,
      [owner.workspaceId, owner.environment],
    );
    const [row] = await sqlRows<VersionRow>(
      manager,
      `INSERT INTO policy_versions (workspace_id, environment, version, document, state, note, created_by)
       SELECT $1, $2, coalesce(max(version), 0) + 1, $3, 'draft', $4, $5
         FROM policy_versions WHERE workspace_id = $1 AND environment = $2
       RETURNING ${COLUMNS}`,
      [owner.workspaceId, owner.environment, JSON.stringify(checked.document), input.note ?? null, actorLabel(this.context.principal)],
    );
    const saved = { ...view(row!), document: row!.document };
    this.trail.record({
      target: { type: 'policy', id: `${owner.workspaceId}:${owner.environment}` },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      before: discarded ? { draft: { version: discarded.version, sha256: documentSha256(discarded.document) } } : { draft: null },
      // By version and digest: the document is read on the policy routes (owner and admin, policies:read),
      // never through the audit trail that auditors and audit:read keys read; its version keeps it as written.
      after: { draft: { version: saved.version, sha256: saved.sha256, note: saved.note } },
    });
    return saved;
  }

  /** The draft `version` becomes active; the active one is retired. Anything but the current draft is a 409. */
  async activate(owner: PolicyOwner, version: number): Promise<PolicyVersionView> {
    const manager = this.unitOfWork.manager;
    await this.lock(owner);
    const [target] = await sqlRows<VersionRow>(
      manager,
      `SELECT ${COLUMNS} FROM policy_versions WHERE workspace_id = $1 AND environment = $2 AND version = $3`,
      [owner.workspaceId, owner.environment, version],
    );
    if (!target) throw RequestProblems.NOT_FOUND({ detail: `This policy has no version ${version}.` });
    if (target.state !== 'draft') throw CosignerProblems.POLICY_VERSION_NOT_DRAFT({ detail: `Version ${version} is ${target.state}.` });
    const [retired] = await sqlRows<VersionRow>(
      manager,
      `UPDATE policy_versions SET state = 'retired', retired_at = now()
        WHERE workspace_id = $1 AND environment = $2 AND state = 'active' RETURNING ${COLUMNS}`,
      [owner.workspaceId, owner.environment],
    );
    const [activated] = await sqlRows<VersionRow>(
      manager,
      `UPDATE policy_versions SET state = 'active', activated_at = now(), activated_by = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
      [target.id, actorLabel(this.context.principal)],
    );
    const after = view(activated!);
    this.trail.record({
      target: { type: 'policy', id: `${owner.workspaceId}:${owner.environment}` },
      workspaceId: owner.workspaceId,
      environment: owner.environment,
      before: { active: retired ? { version: retired.version, sha256: documentSha256(retired.document) } : null },
      after: { active: { version: after.version, sha256: after.sha256 } },
    });
    await this.events.record(owner, {
      type: 'policy.activated',
      subjectId: String(after.version),
      payload: { environment: owner.environment, version: after.version, sha256: after.sha256, previousVersion: retired?.version ?? null },
    });
    return after;
  }

  /** The active and draft versions, with their documents. */
  current(owner: PolicyOwner): Promise<{ active: PolicyVersionDetail | null; draft: PolicyVersionDetail | null }> {
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<VersionRow>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS} FROM policy_versions WHERE workspace_id = $1 AND environment = $2 AND state IN ('active', 'draft')`,
        [owner.workspaceId, owner.environment],
      );
      const detail = (state: PolicyState): PolicyVersionDetail | null => {
        const row = rows.find((candidate) => candidate.state === state);
        return row ? { ...view(row), document: row.document } : null;
      };
      return { active: detail('active'), draft: detail('draft') };
    });
  }

  /** Every version, newest first, without documents. */
  list(owner: PolicyOwner): Promise<PolicyVersionView[]> {
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<VersionRow>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS} FROM policy_versions WHERE workspace_id = $1 AND environment = $2 ORDER BY version DESC`,
        [owner.workspaceId, owner.environment],
      );
      return rows.map(view);
    });
  }

  get(owner: PolicyOwner, version: number): Promise<PolicyVersionDetail> {
    return this.unitOfWork.read(async () => {
      const row = await this.find(owner, version);
      return { ...view(row), document: row.document };
    });
  }

  /**
   * A decision's hold on its workspace's policy, taken before it reads the active version
   * and kept to its commit: shared among decisions, and what activating and writing take
   * exclusively (`lock`), so an activation waits for the decisions under way, and no
   * decision commits under a version once its retirement was answered.
   */
  async holdForDecision(owner: PolicyOwner): Promise<void> {
    await this.unitOfWork.manager.query(
      prepared('rf_cosigner_policy_hold', `SELECT pg_advisory_xact_lock_shared(hashtextextended('policy:' || $1 || ':' || $2, 0))`),
      [owner.workspaceId, owner.environment],
    );
  }

  /**
   * The version a decision or an explanation reads, validated (from the process's cache:
   * versions never change): the active one, or the one named.
   */
  async decidingVersion(owner: PolicyOwner, version?: number): Promise<ActivePolicy | undefined> {
    if (version !== undefined) {
      const row = await this.find(owner, version);
      return { id: row.id, version: row.version, document: this.validatedDocument(row.id, row.document) };
    }
    // The active version's id first: its document is read (and validated) only when this
    // process has not seen that version yet, not on every decision.
    const [active] = await sqlRows<Pick<VersionRow, 'id' | 'version'>>(
      this.unitOfWork.manager,
      prepared(
        'rf_cosigner_policy_active',
        `SELECT id, version FROM policy_versions WHERE workspace_id = $1 AND environment = $2 AND state = 'active'`,
      ),
      [owner.workspaceId, owner.environment],
    );
    if (!active) return undefined;
    const known = this.validated.get(active.id);
    if (known) return { id: active.id, version: active.version, document: known };
    const [row] = await sqlRows<Pick<VersionRow, 'document'>>(
      this.unitOfWork.manager,
      `SELECT document FROM policy_versions WHERE id = $1`,
      [active.id],
    );
    return { id: active.id, version: active.version, document: this.validatedDocument(active.id, row!.document) };
  }

  private validatedDocument(id: string, stored: unknown): PolicyDocument {
    const known = this.validated.get(id);
    if (known) return known;
    const checked = validatePolicy(stored);
    // Stored documents were validated on write; one that no longer validates is refused, never decided on.
    if (checked.errors)
      throw new Error(`policy version ${id} no longer validates: ${checked.errors[0]?.path} ${checked.errors[0]?.message}`);
    if (this.validated.size >= VALIDATED_CACHE_MAX) this.validated.delete(this.validated.keys().next().value!);
    this.validated.set(id, checked.document);
    return checked.document;
  }

  private async find(owner: PolicyOwner, version: number): Promise<VersionRow> {
    const [row] = await sqlRows<VersionRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM policy_versions WHERE workspace_id = $1 AND environment = $2 AND version = $3`,
      [owner.workspaceId, owner.environment, version],
    );
    if (!row) throw RequestProblems.NOT_FOUND({ detail: `This policy has no version ${version}.` });
    return row;
  }

  /** One writer of a policy at a time: version numbers and the draft and active slots stay whole. */
  private async lock(owner: PolicyOwner): Promise<void> {
    await this.unitOfWork.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('policy:' || $1 || ':' || $2, 0))`, [
      owner.workspaceId,
      owner.environment,
    ]);
  }
}
