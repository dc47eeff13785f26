import { Inject, Injectable } from '@nestjs/common';
import { Job, jobPrincipal, KeyEnvironment, sqlCount, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { IDEMPOTENCY_OPTIONS, IdempotencyOptions } from './idempotency.options';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-purge';
const PURGER = jobPrincipal(IDEMPOTENCY_PURGE_JOB);
const PURGE_BATCH = 1000;

/** Whose key: a workspace and environment (the keys of one share it), and the key. */
export interface IdempotencyScope {
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
  readonly key: string;
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
 * The `idempotency_keys` table's one home (migration 0012): a key taken for the request's
 * transaction, its entry read and written in it, and the expired entries purged. Every
 * statement names the scope's workspace and environment; row-level security holds the same line.
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
      `SELECT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || $1 || ':' || $2 || ':' || $3, 0)) AS taken`,
      [scope.workspaceId, scope.environment, scope.key],
    );
    return row?.taken === true;
  }

  /**
   * The key's entry, read once the key is taken (a statement of its own, so that its
   * snapshot, READ COMMITTED, sees what the last holder committed). An expired entry is
   * deleted here and the key acts as new.
   */
  async find(scope: IdempotencyScope): Promise<IdempotencyEntry | undefined> {
    const [row] = await sqlRows<EntryRow>(
      this.unitOfWork.manager,
      `SELECT fingerprint, status, headers, body, expires_at <= now() AS expired
         FROM idempotency_keys WHERE workspace_id = $1 AND environment = $2 AND key = $3`,
      [scope.workspaceId, scope.environment, scope.key],
    );
    if (!row) return undefined;
    if (row.expired) {
      await this.unitOfWork.manager.query(
        'DELETE FROM idempotency_keys WHERE workspace_id = $1 AND environment = $2 AND key = $3 AND expires_at <= now()',
        [scope.workspaceId, scope.environment, scope.key],
      );
      return undefined;
    }
    return { fingerprint: row.fingerprint, status: row.status, headers: row.headers, ...(row.body === null ? {} : { body: row.body }) };
  }

  /** Stores the answer of the request the key was taken for, in its transaction; kept IDEMPOTENCY_KEY_TTL_HOURS. */
  async keep(scope: IdempotencyScope, fingerprint: Buffer, answer: StoredAnswer, createdBy: string): Promise<void> {
    await this.unitOfWork.manager.query(
      `INSERT INTO idempotency_keys (workspace_id, environment, key, fingerprint, status, headers, body, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(hours => $9))`,
      [
        scope.workspaceId,
        scope.environment,
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

  /** Deletes the expired entries, batch by batch (until `signal` aborts); returns how many went. */
  async purgeExpired(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (!signal?.aborted) {
      const purged = await this.unitOfWork.run(
        () =>
          sqlCount(
            this.unitOfWork.manager,
            `DELETE FROM idempotency_keys WHERE (workspace_id, environment, key) IN (
               SELECT workspace_id, environment, key FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1
             ) RETURNING 1`,
            [PURGE_BATCH],
          ),
        { principal: PURGER },
      );
      total += purged;
      if (purged < PURGE_BATCH) break;
    }
    return total;
  }
}
