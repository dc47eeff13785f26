import { Injectable } from '@nestjs/common';
import { AuditEvents, AuditTrail } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { Principal, RequestContext, RequestContextStore, sqlRows, UnitOfWork } from '@ringfence/tenancy';

/** The archive's first line names it; a reader refuses a version it does not know (docs/adr/0028-workspace-export.md). */
export const WORKSPACE_EXPORT_FORMAT = 'ringfence.workspace-export';
export const WORKSPACE_EXPORT_VERSION = 1;
/** Rows per read: one read-only transaction per page, so memory and connection time stay bounded. */
export const WORKSPACE_EXPORT_PAGE = 500;

/**
 * One resource of the archive: its table, the columns it carries (never a hash, a key, a
 * sealed value or a secret: those columns are simply not named here), and its keyset (the
 * primary key, ascending). Every table is read by `workspace_id`, both environments.
 */
interface ExportedResource {
  readonly resource: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly key: readonly string[];
  /** The column that names the workspace (`id` for the workspace itself). */
  readonly workspaceColumn?: string;
  /** Read as this principal rather than the admin: the vault's metadata (migration 0020). */
  readonly readAs?: Principal;
}

/**
 * The export's own actor for the vault: its platform read policy admits `system:workspace-export`
 * on `vault_secrets` alone, which holds no value (migration 0020); an admin sees no vault row.
 */
export const WORKSPACE_EXPORTER: Principal = { kind: 'system', process: 'workspace-export' };

/**
 * The order of the archive; the audit rows come last (`audit_event`), through the audit view.
 * The vault's secrets are metadata only, read as WORKSPACE_EXPORTER: never a version's sealed
 * value, which that actor cannot read either.
 */
export const EXPORTED_RESOURCES: readonly ExportedResource[] = [
  {
    resource: 'workspace',
    table: 'workspaces',
    columns: ['id', 'name', 'status', 'plan', 'allowed_origins', 'created_at', 'updated_at'],
    key: ['id'],
    workspaceColumn: 'id',
  },
  {
    // Not `secret_hash`, not `pepper_version`: a key's metadata only.
    resource: 'api_key',
    table: 'api_keys',
    columns: [
      'id',
      'key_id',
      'environment',
      'name',
      'scopes',
      'created_at',
      'created_by',
      'expires_at',
      'revoked_at',
      'revoked_reason',
      'replaced_by',
      'last_used_at',
    ],
    key: ['id'],
  },
  {
    resource: 'policy_version',
    table: 'policy_versions',
    columns: [
      'id',
      'environment',
      'version',
      'document',
      'state',
      'note',
      'created_at',
      'created_by',
      'activated_at',
      'activated_by',
      'retired_at',
    ],
    key: ['id'],
  },
  {
    // A transfer with its decision (policy version, rule, reason, decided_at).
    resource: 'transfer',
    table: 'transfers',
    columns: [
      'id',
      'environment',
      'idempotency_key',
      'external_tx_id',
      'provider',
      'asset',
      'amount',
      'source',
      'destination',
      'note',
      'status',
      'provider_tx_id',
      'policy_version_id',
      'rule_name',
      'reason',
      'decided_at',
      'created_at',
      'created_by',
      'updated_at',
      'submission_attempts',
    ],
    key: ['id'],
  },
  {
    // The co-signer's answers to the provider, per request (not the payload's digest).
    resource: 'transfer_decision',
    table: 'cosigner_requests',
    columns: [
      'provider',
      'request_id',
      'kind',
      'environment',
      'transfer_id',
      'first_seen_at',
      'state',
      'action',
      'reason',
      'policy_version_id',
      'rule_name',
      'answer',
      'decided_at',
    ],
    key: ['provider', 'request_id'],
  },
  {
    // Names, descriptions, versions and dates: `vault_secrets` has no value to leak.
    resource: 'vault_secret',
    table: 'vault_secrets',
    columns: ['id', 'environment', 'name', 'description', 'current_version', 'created_at', 'created_by', 'updated_at'],
    key: ['id'],
    readAs: WORKSPACE_EXPORTER,
  },
  {
    // Not `sealed_secret`, not `sealed_previous_secret`.
    resource: 'webhook_endpoint',
    table: 'webhook_endpoints',
    columns: [
      'id',
      'environment',
      'url',
      'description',
      'event_types',
      'enabled',
      'disabled_reason',
      'disabled_at',
      'secret_version',
      'previous_secret_expires_at',
      'failing_since',
      'last_success_at',
      'created_at',
      'updated_at',
    ],
    key: ['id'],
  },
  {
    resource: 'webhook_delivery',
    table: 'webhook_deliveries',
    columns: [
      'id',
      'endpoint_id',
      'environment',
      'event_id',
      'event_type',
      'occurred_at',
      'payload',
      'replay_of',
      'status',
      'attempts',
      'next_attempt_at',
      'finished_at',
      'last_error',
      'created_at',
    ],
    key: ['id'],
  },
  {
    resource: 'webhook_delivery_attempt',
    table: 'webhook_delivery_attempts',
    columns: [
      'delivery_id',
      'attempt',
      'environment',
      'started_at',
      'latency_ms',
      'status_code',
      'response_body',
      'truncated',
      'error_class',
    ],
    key: ['delivery_id', 'attempt'],
  },
];

export const AUDIT_EVENT_RESOURCE = 'audit_event';

export type ExportCounts = Record<string, number>;

const camel = (column: string): string => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * A workspace's data, exported (docs/adr/0028-workspace-export.md): one NDJSON stream,
 * a header line, one line per row of each resource, a trailer with the counts. The only
 * code that reads every tenant table: read-only, on the platform path, each statement
 * stating its workspace, its columns named one by one.
 */
@Injectable()
export class WorkspaceExport {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly trail: AuditTrail,
    private readonly auditEvents: AuditEvents,
    private readonly context: RequestContext,
  ) {}

  /**
   * In the audited request's transaction: the workspace must exist and not be deleted (else
   * 404); the audit row names it and the count of each resource as they stand now (the vault's
   * excepted: see below), never data.
   */
  async begin(workspaceId: string): Promise<ExportCounts> {
    const manager = this.unitOfWork.manager;
    const [workspace] = await sqlRows<{ id: string }>(manager, `SELECT id FROM workspaces WHERE id = $1 AND status <> 'deleted'`, [
      workspaceId,
    ]);
    if (!workspace) throw RequestProblems.NOT_FOUND({ detail: 'No such workspace.' });
    const count = (resource: ExportedResource): string =>
      `(SELECT count(*) FROM ${resource.table} WHERE ${resource.workspaceColumn ?? 'workspace_id'} = $1)::int AS "${resource.resource}"`;
    const [row] = await sqlRows<ExportCounts>(
      manager,
      `SELECT ${EXPORTED_RESOURCES.filter((r) => !r.readAs)
        .map(count)
        .join(', ')}, (SELECT count(*) FROM audit_log WHERE workspace_id = $1)::int AS "${AUDIT_EVENT_RESOURCE}"`,
      [workspaceId],
    );
    // Not the vault's: only its own reader sees it, in a unit of work of its own, and opening one
    // here, while the request's transaction holds its connection, would let as many concurrent
    // exports as the pool has connections wait on each other. The archive's trailer counts it.
    const counts = { ...row! };
    this.trail.record({ target: { type: 'workspace', id: workspaceId }, after: { counts } });
    return counts;
  }

  /**
   * The archive's lines, read a keyset page at a time as the client takes them, each page in
   * a read-only unit of work of its own as the caller (outside the request's transaction,
   * which has committed by the time the body is read).
   */
  async *lines(workspaceId: string, startedAt: Date): AsyncGenerator<string> {
    const store = this.detached();
    const pull = <T>(source: AsyncGenerator<T>): AsyncGenerator<T> => within(store, source);
    yield line({ format: WORKSPACE_EXPORT_FORMAT, version: WORKSPACE_EXPORT_VERSION, workspaceId, startedAt: startedAt.toISOString() });
    const counts: ExportCounts = {};
    for (const resource of EXPORTED_RESOURCES) {
      counts[resource.resource] = 0;
      for await (const data of pull(this.rows(resource, workspaceId))) {
        counts[resource.resource] = (counts[resource.resource] ?? 0) + 1;
        yield line({ resource: resource.resource, data });
      }
    }
    counts[AUDIT_EVENT_RESOURCE] = 0;
    for await (const data of pull(this.auditEvents.export({ workspaceId }))) {
      counts[AUDIT_EVENT_RESOURCE] += 1;
      yield line({ resource: AUDIT_EVENT_RESOURCE, data });
    }
    yield line({ end: true, counts });
  }

  private async *rows(resource: ExportedResource, workspaceId: string): AsyncGenerator<Record<string, unknown>> {
    const select = resource.columns.map((column) => `${column} AS "${camel(column)}"`).join(', ');
    const keys = resource.key.join(', ');
    const where = `${resource.workspaceColumn ?? 'workspace_id'} = $1`;
    let after: unknown[] | undefined;
    for (;;) {
      const values: unknown[] = [workspaceId, WORKSPACE_EXPORT_PAGE];
      let keyset = '';
      if (after) {
        keyset = ` AND (${keys}) > (${after.map((_, index) => `$${index + 3}`).join(', ')})`;
        values.push(...after);
      }
      const read = (): Promise<Record<string, unknown>[]> =>
        sqlRows<Record<string, unknown>>(
          this.unitOfWork.manager,
          `SELECT ${select} FROM ${resource.table} WHERE ${where}${keyset} ORDER BY ${keys} LIMIT $2`,
          values,
        );
      const page = resource.readAs
        ? await this.unitOfWork.run(read, { principal: resource.readAs, readOnly: true })
        : await this.unitOfWork.read(read);
      for (const row of page) yield row;
      if (page.length < WORKSPACE_EXPORT_PAGE) return;
      const last = page.at(-1)!;
      after = resource.key.map((column) => last[camel(column)]);
    }
  }

  /** The caller's context without the request's transaction (committed when the body is read). */
  private detached(): RequestContextStore {
    const store = this.context.store!;
    return {
      ...store,
      manager: undefined,
      afterCommit: undefined,
      afterTransaction: undefined,
      attempt: undefined,
      slots: new Map(store.slots),
    };
  }
}

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Pulls `source` inside `store`: the stream is read after the handler returned. */
async function* within<T>(store: RequestContextStore, source: AsyncGenerator<T>): AsyncGenerator<T> {
  for (;;) {
    const next = await RequestContext.run(store, () => source.next());
    if (next.done) return;
    yield next.value;
  }
}
