import { Inject, Injectable } from '@nestjs/common';
import { AccessProblems, SCOPES } from '@ringfence/access';
import { AuditTrail, declareAuditRedactions } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { actorLabel, AdminRole, DomainEvents, KeyEnvironment, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { ApiKeyProblems } from './api-keys.problems';
import { generateApiKey } from './api-key-format';
import { ApiKeyPeppers } from './api-key-peppers';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { DEFAULT_PAGE_SIZE, Page, pageOf, positionOf } from '../../paging/keyset-page';

// The key, its hash and pepper never reach an audit row, whoever records one about a key.
declareAuditRedactions('api_key', ['key', 'secretHash', 'secret_hash', 'pepperVersion', 'pepper_version']);

interface ApiKeyRow {
  key_id: string;
  name: string;
  scopes: string[];
  environment: KeyEnvironment;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  replaced_by_key_id: string | null;
}

/** A key's columns as its view needs them, with the public id of the key that replaced it (a rotation). */
const COLUMNS = `key_id, name, scopes, environment, created_at, expires_at, revoked_at, last_used_at,
  (SELECT successor.key_id FROM api_keys successor WHERE successor.id = api_keys.replaced_by) AS replaced_by_key_id`;

function keyView(row: ApiKeyRow): ApiKeyDto {
  return {
    id: row.key_id,
    name: row.name,
    scopes: row.scopes,
    environment: row.environment,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    replacedBy: row.replaced_by_key_id,
  };
}

/**
 * Which workspaces exist for the caller (the workspaces feature answers): keys hang off a
 * workspace, and the workspace side depends on keys, not the other way round.
 */
export interface KeyWorkspaces {
  find(workspaceId: string): Promise<object | undefined>;
}
export const KEY_WORKSPACES = Symbol('KEY_WORKSPACES');

/**
 * A workspace's API keys. The whole key is returned once, at creation; only its peppered
 * hash is stored, and no response, log line or audit row carries it again.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly peppers: ApiKeyPeppers,
    @Inject(KEY_WORKSPACES) private readonly workspaces: KeyWorkspaces,
    private readonly trail: AuditTrail,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Every path that makes a key comes here, so every one obeys the grant rule: a key
   * never mints a key with a scope, an environment or a lifetime it does not hold itself.
   */
  async create(
    workspaceId: string,
    input: { name: string; scopes: readonly string[]; environment: KeyEnvironment; expiresAt?: Date },
  ): Promise<CreatedApiKeyDto> {
    if (!(await this.workspaces.find(workspaceId))) throw RequestProblems.NOT_FOUND();
    if (input.scopes.length === 0) throw ApiKeyProblems.WILDCARD_KEY_REFUSED();
    this.assertGrantable(input.scopes, input.environment);
    const callerExpiry = this.callerExpiry();
    if (input.expiresAt && callerExpiry && input.expiresAt > callerExpiry) throw ApiKeyProblems.EXPIRY_BEYOND_CALLER();
    const expiresAt = input.expiresAt ?? callerExpiry;
    const generated = generateApiKey(input.environment);
    const { hash, pepperVersion } = this.peppers.hashForStorage(generated.key);
    const [row] = await sqlRows<ApiKeyRow>(
      this.unitOfWork.manager,
      `INSERT INTO api_keys (workspace_id, key_id, environment, name, scopes, secret_hash, pepper_version, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        workspaceId,
        generated.keyId,
        input.environment,
        input.name,
        input.scopes,
        hash,
        pepperVersion,
        actorLabel(this.context.principal),
        expiresAt ?? null,
      ],
    );
    const view = keyView(row!);
    this.trail.record({
      target: { type: 'api_key', id: view.id },
      workspaceId,
      environment: view.environment,
      after: { workspaceId, name: view.name, scopes: view.scopes, environment: view.environment, expiresAt: view.expiresAt },
    });
    return { ...view, key: generated.key };
  }

  /** `environment`: a key manages its own environment's keys only (admins pass none and see both). */
  list(
    workspaceId: string,
    environment: KeyEnvironment | undefined,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<Page<ApiKeyDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = positionOf(query.cursor, ['timestamp', 'text']);
    return this.unitOfWork.read(async () => {
      if (!(await this.workspaces.find(workspaceId))) throw RequestProblems.NOT_FOUND();
      const rows = await sqlRows<ApiKeyRow & { page_at: string }>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS}, created_at::text AS page_at FROM api_keys
          WHERE workspace_id = $1 AND ($2::text IS NULL OR environment = $2)
            AND ($3::timestamptz IS NULL OR (created_at, key_id) < ($3::timestamptz, $4::text))
          ORDER BY created_at DESC, key_id DESC LIMIT $5`,
        [workspaceId, environment ?? null, before?.[0] ?? null, before?.[1] ?? null, limit + 1],
      );
      return pageOf(rows, limit, keyView, (row) => [row.page_at, row.key_id]);
    });
  }

  /**
   * A new key with the same name, scopes and environment; the old one keeps working for
   * the grace period (never longer than it would have), then is refused. Another
   * workspace's key, or a revoked one, is a 404.
   */
  async rotate(workspaceId: string, keyId: string, gracePeriodSeconds: number, environment?: KeyEnvironment): Promise<CreatedApiKeyDto> {
    const [old] = await sqlRows<ApiKeyRow & { id: string }>(
      this.unitOfWork.manager,
      `SELECT id, ${COLUMNS} FROM api_keys
        WHERE workspace_id = $1 AND key_id = $2 AND ($3::text IS NULL OR environment = $3)
          AND revoked_at IS NULL AND replaced_by IS NULL AND (expires_at IS NULL OR expires_at > now())
        FOR UPDATE`,
      [workspaceId, keyId, environment ?? null],
    );
    if (!old) throw RequestProblems.NOT_FOUND();
    // The new key has the old one's scopes (the caller must hold them) and its expiry, or
    // the caller's if that comes first: rotating never extends what the caller holds.
    this.assertGrantable(old.scopes, old.environment);
    const expiresAt = earliest(old.expires_at ?? undefined, this.callerExpiry());
    const created = await this.create(workspaceId, {
      name: old.name,
      scopes: old.scopes,
      environment: old.environment,
      ...(expiresAt ? { expiresAt } : {}),
    });
    const [updated] = await sqlRows<ApiKeyRow>(
      this.unitOfWork.manager,
      `UPDATE api_keys SET replaced_by = (SELECT id FROM api_keys WHERE key_id = $2),
              expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => $3)), version = version + 1
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [old.id, created.id, gracePeriodSeconds],
    );
    this.authenticator.forgetKey(keyId);
    this.trail.record({
      target: { type: 'api_key', id: keyId },
      workspaceId,
      environment: old.environment,
      before: { expiresAt: old.expires_at?.toISOString() ?? null },
      after: { expiresAt: updated!.expires_at?.toISOString() ?? null, replacedBy: created.id },
    });
    await this.events.record(
      { workspaceId, environment: old.environment },
      {
        type: 'api_key.rotated',
        subjectId: keyId,
        payload: {
          keyId,
          newKeyId: created.id,
          newPrefix: publicPrefix(old.environment, created.id),
          oldKeyExpiresAt: updated!.expires_at?.toISOString() ?? null,
        },
      },
    );
    return created;
  }

  /** Revoked keys are refused from the next request on. Another workspace's (or environment's) key is a 404. */
  async revoke(workspaceId: string, keyId: string, environment?: KeyEnvironment): Promise<void> {
    const [target] = await sqlRows<Pick<ApiKeyRow, 'scopes' | 'environment'>>(
      this.unitOfWork.manager,
      `SELECT scopes, environment FROM api_keys
        WHERE workspace_id = $1 AND key_id = $2 AND ($3::text IS NULL OR environment = $3) AND revoked_at IS NULL FOR UPDATE`,
      [workspaceId, keyId, environment ?? null],
    );
    if (!target) throw RequestProblems.NOT_FOUND();
    // A key manages only the keys it could have made: a narrow key cannot switch off a wider one.
    this.assertGrantable(target.scopes, target.environment, 'revoke');
    const [row] = await sqlRows<ApiKeyRow>(
      this.unitOfWork.manager,
      `UPDATE api_keys SET revoked_at = now(), revoked_reason = 'revoked', version = version + 1
        WHERE workspace_id = $1 AND key_id = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [workspaceId, keyId],
    );
    if (!row) throw RequestProblems.NOT_FOUND();
    this.authenticator.forgetKey(keyId);
    this.trail.record({
      target: { type: 'api_key', id: keyId },
      workspaceId,
      environment: target.environment,
      before: { revokedAt: null },
      after: { revokedAt: row.revoked_at?.toISOString() },
    });
    await this.events.record(
      { workspaceId, environment: target.environment },
      {
        type: 'api_key.revoked',
        subjectId: keyId,
        payload: { keyId, prefix: publicPrefix(target.environment, keyId), revokedBy: actorLabel(this.context.principal) },
      },
    );
  }

  /**
   * The grant rule, for the acting principal: nobody hands out, through a key, more than
   * they may do themselves. A key grants and manages at most what it holds (its scopes,
   * its own environment; a legacy wildcard key holds every scope). An admin grants any
   * scope but those its role may not use itself (`ROLE_WITHHELD_SCOPES`), and revokes any
   * key; an owner (and the system) grants anything. Anyone else grants nothing.
   */
  private assertGrantable(scopes: readonly string[], environment: KeyEnvironment, purpose: 'grant' | 'revoke' = 'grant'): void {
    const caller = this.context.principal;
    if (caller.kind === 'system') return;
    if (caller.kind === 'admin') {
      if (purpose === 'revoke') return;
      const withheld = ROLE_WITHHELD_SCOPES[caller.role];
      const beyond = scopes.length === 0 && withheld.length > 0 ? ['*'] : scopes.filter((scope) => withheld.includes(scope));
      if (beyond.length > 0) {
        throw AccessProblems.INSUFFICIENT_ROLE({ detail: `The ${caller.role} role cannot grant ${beyond.join(', ')}: an owner can.` });
      }
      return;
    }
    if (caller.kind !== 'api_key') throw RequestProblems.FORBIDDEN();
    const beyond = caller.scopes.length === 0 ? [] : scopes.filter((scope) => !caller.scopes.includes(scope));
    // A wildcard target holds every scope: only a wildcard caller holds as much.
    if (scopes.length === 0 && caller.scopes.length > 0) beyond.push('*');
    if (beyond.length > 0) {
      throw AccessProblems.INSUFFICIENT_SCOPE({ detail: `A key cannot grant or manage scopes it does not hold: ${beyond.join(', ')}.` });
    }
    if (environment !== caller.environment) throw RequestProblems.NOT_FOUND();
  }

  /** When the calling key stops working: no key it makes outlives it. */
  private callerExpiry(): Date | undefined {
    const caller = this.context.principal;
    return caller.kind === 'api_key' && caller.expiresAt !== null ? new Date(caller.expiresAt) : undefined;
  }
}

/**
 * Scopes a role may not put in a key because the role may not do it itself: an admin
 * reads no audit log (auditors and owners do) and sees no vault value (ADR 0009), so a
 * key it minted must not either. Auditors make no keys at all (the routes refuse them).
 */
const ROLE_WITHHELD_SCOPES: Readonly<Record<AdminRole, readonly string[]>> = {
  owner: [],
  admin: ['audit:read', 'vault:reveal'],
  auditor: SCOPES,
};

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

/** A key's public prefix (`rf_live_ABCD1234`): its environment and public id, never its secret. */
function publicPrefix(environment: KeyEnvironment, keyId: string): string {
  return `rf_${environment}_${keyId}`;
}
