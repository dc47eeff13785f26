import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditTrail } from '@ringfence/audit';
import { ApiKeyPeppers, generateApiKey, Scope } from '@ringfence/auth';
import { actorOf, KeyEnvironment, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';

interface ApiKeyRow {
  key_id: string;
  name: string;
  scopes: string[];
  environment: KeyEnvironment;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'key_id, name, scopes, environment, created_at, expires_at, revoked_at, last_used_at';

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
  };
}

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
    private readonly workspaces: WorkspacesService,
    private readonly trail: AuditTrail,
  ) {}

  async create(workspaceId: string, input: { name: string; scopes: Scope[]; environment: KeyEnvironment; expiresAt?: Date }): Promise<CreatedApiKeyDto> {
    if (!(await this.workspaces.find(workspaceId))) throw new NotFoundException();
    const generated = generateApiKey(input.environment);
    const { hash, pepperVersion } = this.peppers.hashForStorage(generated.key);
    const actor = actorOf(this.context.principal);
    const [row] = await sqlRows<ApiKeyRow>(
      this.unitOfWork.manager,
      `INSERT INTO api_keys (workspace_id, key_id, environment, name, scopes, secret_hash, pepper_version, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [workspaceId, generated.keyId, input.environment, input.name, input.scopes, hash, pepperVersion, `${actor.type}:${actor.id ?? ''}`, input.expiresAt ?? null],
    );
    const view = keyView(row!);
    this.trail.record({
      target: { type: 'api_key', id: view.id },
      after: { workspaceId, name: view.name, scopes: view.scopes, environment: view.environment, expiresAt: view.expiresAt },
    });
    return { ...view, key: generated.key };
  }

  list(workspaceId: string): Promise<ApiKeyDto[]> {
    return this.unitOfWork.read(async () => {
      if (!(await this.workspaces.find(workspaceId))) throw new NotFoundException();
      const rows = await sqlRows<ApiKeyRow>(this.unitOfWork.manager, `SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, key_id`, [
        workspaceId,
      ]);
      return rows.map(keyView);
    });
  }

  /** Revoked keys are refused from the next request on. Another workspace's key is a 404. */
  async revoke(workspaceId: string, keyId: string): Promise<void> {
    const [row] = await sqlRows<ApiKeyRow>(
      this.unitOfWork.manager,
      `UPDATE api_keys SET revoked_at = now(), revoked_reason = 'revoked', version = version + 1
        WHERE workspace_id = $1 AND key_id = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [workspaceId, keyId],
    );
    if (!row) throw new NotFoundException();
    this.trail.record({ target: { type: 'api_key', id: keyId }, before: { revokedAt: null }, after: { revokedAt: row.revoked_at?.toISOString() } });
  }

  /** A key of the acting workspace, in the current unit of work (tenant RLS shows no other). */
  async findOwn(keyId: string): Promise<ApiKeyDto | undefined> {
    const [row] = await sqlRows<ApiKeyRow>(this.unitOfWork.manager, `SELECT ${COLUMNS} FROM api_keys WHERE key_id = $1`, [keyId]);
    return row && keyView(row);
  }
}
