import { Inject, Injectable } from '@nestjs/common';
import { Job, jobPrincipal, KeyEnvironment, sqlCount, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { IDEMPOTENCY_OPTIONS, IdempotencyOptions } from './idempotency.options';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-purge';
const PURGER = jobPrincipal(IDEMPOTENCY_PURGE_JOB);
const PURGE_BATCH = 1000;

/**
 * Whose key: an API key's workspace and environment (the keys of one share it), or an admin
 * (each admin's own: an admin has no workspace; migration 0017), and the key.
 */
export type IdempotencyScope =
  | { readonly workspaceId: string; readonly environment: KeyEnvironment; readonly key: string }
  | { readonly adminId: string; readonly key: string };

/** The scope's table, the SQL naming its owner (from $1), and the owner's values. */
function ownerOf(scope: IdempotencyScope): { table: string; owner: (from: number) => string; values: string[]; lock: string } {
  if ('adminId' in scope) {
    return {
      table: 'admin_idempotency_keys',
      owner: (from) => `admin_id = $${from}`,
      values: [scope.adminId],
      lock: `admin:${scope.adminId}`,
    };
  }
  return {
    table: 'idempotency_keys',
    owner: (from) => `workspace_id = $${from} AND environment = $${from + 1}`,
    values: [scope.workspaceId, scope.environment],
    lock: `${scope.workspaceId}:${scope.environment}`,
  };
}

/** An answer as it was sent, to be sent again. */
export interface StoredAnswer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent; undefined: none. */
  readonly body?: string;
}

/** A key's entry: the request it was used for (its fingerprint) and the answer it got. */
export interface IdempotencyEntry extends StoredAnswer {
  readonly fingerprint: Buffer;
}

interface EntryRow {
  fingerprint: Buffer;
  status: number;
  headers: Record<string, string>;
  body: string | null;
  expired: boolean;
}

/**
 * The `idempotency_keys` and `admin_idempotency_keys` tables' one home (migrations 0012, 0017): a key taken for the request's
 * transaction, its entry read and written in it, and the expired entries purged. Every
 * statement names the scope's owner (workspace and environment, or admin); row-level security holds the same line.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: IdempotencyOptions,
  ) {}

  /**
   * Takes the key for the open transaction, at once or not at all: false while another
   * transaction holds it (a request with this key still running). Released at COMMIT or
   * ROLLBACK. A 64-bit hash of the scope names the lock; two scopes that share one would
   * only see a 409 while both run (odds of 2^-64 a pair).
   */
  async take(scope: IdempotencyScope): Promise<boolean> {
    const [row] = await sqlRows<{ taken: boolean }>(
      this.unitOfWork.manager,
      `SELECT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || $1 || ':' || $2, 0)) AS taken`,
      [ownerOf(scope).lock, scope.key],
    );
    return row?.taken === true;
  }

  /**
   * The key's entry, read once the key is taken (a statement of its own, so that its
   * snapshot, READ COMMITTED, sees what the last holder committed). An expired entry is
   * deleted here and the key acts as new.
   */
  async find(scope: IdempotencyScope): Promise<IdempotencyEntry | undefined> {
    const { table, owner, values } = ownerOf(scope);
    const keyAt = values.length + 1;
    const [row] = await sqlRows<EntryRow>(
      this.unitOfWork.manager,
      `SELECT fingerprint, status, headers, body, expires_at <= now() AS expired FROM ${table} WHERE ${owner(1)} AND key = $${keyAt}`,
      [...values, scope.key],
    );
    if (!row) return undefined;
    if (row.expired) {
      await this.unitOfWork.manager.query(`DELETE FROM ${table} WHERE ${owner(1)} AND key = $${keyAt} AND expires_at <= now()`, [
        ...values,
        scope.key,
      ]);
      return undefined;
    }
    return { fingerprint: row.fingerprint, status: row.status, headers: row.headers, ...(row.body === null ? {} : { body: row.body }) };
  }

  /** Stores the answer of the request the key was taken for, in its transaction; kept IDEMPOTENCY_KEY_TTL_HOURS. */
  async keep(scope: IdempotencyScope, fingerprint: Buffer, answer: StoredAnswer, createdBy: string): Promise<void> {
    const columns = 'adminId' in scope ? 'admin_id' : 'workspace_id, environment';
    const { table, values } = ownerOf(scope);
    const at = (offset: number) => `$${values.length + offset}`;
    await this.unitOfWork.manager.query(
      `INSERT INTO ${table} (${columns}, key, fingerprint, status, headers, body, created_by, expires_at)
       VALUES (${values.map((_value, index) => `$${index + 1}`).join(', ')}, ${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)},
               now() + make_interval(hours => ${at(7)}))`,
      [
        ...values,
        scope.key,
        fingerprint,
        answer.status,
        JSON.stringify(answer.headers),
        answer.body ?? null,
        createdBy,
        this.options.ttlHours,
      ],
    );
  }

  /** Hourly, on the workers: the expired entries of every workspace go (an expired key acts as new anyway). */
  @Job({ name: IDEMPOTENCY_PURGE_JOB, scope: 'cluster', everyMs: 60 * 60_000, firstAfterMs: 5 * 60_000 })
  async purgeTurn(signal: AbortSignal): Promise<void> {
    await this.purgeExpired(signal);
  }

  /** Deletes the expired entries, the workspaces' and the admins', batch by batch (until `signal` aborts); returns how many went. */
  async purgeExpired(signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (const [table, owner] of [
      ['idempotency_keys', 'workspace_id, environment, key'],
      ['admin_idempotency_keys', 'admin_id, key'],
    ] as const) {
      while (!signal?.aborted) {
        const purged = await this.unitOfWork.run(
          () =>
            sqlCount(
              this.unitOfWork.manager,
              `DELETE FROM ${table} WHERE (${owner}) IN (
                 SELECT ${owner} FROM ${table} WHERE expires_at <= now() ORDER BY expires_at LIMIT $1
               ) RETURNING 1`,
              [PURGE_BATCH],
            ),
          { principal: PURGER },
        );
        total += purged;
        if (purged < PURGE_BATCH) break;
      }
    }
    return total;
  }
}
