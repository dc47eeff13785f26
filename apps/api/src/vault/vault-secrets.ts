import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, declareAuditRedactions, SecurityEvents } from '@ringfence/audit';
import { AesGcmCipher, DecryptionError, declareSealedColumn } from '@ringfence/crypto';
import { RequestProblems } from '@ringfence/problems';
import { actorLabel, DomainEvents, KeyEnvironment, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { RevealedVaultSecretDto, VaultSecretDetailDto, VaultSecretDto, VaultSecretVersionDto } from './dto/vault.dto';
import { VAULT_OPTIONS, VaultOptions } from './vault.options';
import { VaultProblems } from './vault.problems';
import { DEFAULT_PAGE_SIZE, Page, pageOf, positionOf } from '../paging/keyset-page';

/** Whose vault: a key's workspace and environment (test never sees live, nor the reverse). */
export interface VaultOwner {
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
}

/** Where a version sits: what its value's AAD binds. */
export interface VersionPlace {
  readonly workspaceId: string;
  readonly environment: string;
  readonly secretId: string;
  readonly version: number | string;
  readonly id: string;
}

/**
 * The AAD of a version's value: table and column, workspace, environment, secret, version
 * number and row. A ciphertext moved anywhere else (even within its secret) does not open.
 */
export function vaultValueAad(place: VersionPlace): string {
  return `vault_secret_versions.sealed_value|${place.workspaceId}|${place.environment}|${place.secretId}|${place.version}|${place.id}`;
}

declareSealedColumn({
  table: 'vault_secret_versions',
  column: 'sealed_value',
  idColumn: 'id',
  bindColumns: ['workspace_id', 'environment', 'secret_id', 'version'],
  aad: (row) =>
    vaultValueAad({
      workspaceId: row['workspace_id'] ?? '',
      environment: row['environment'] ?? '',
      secretId: row['secret_id'] ?? '',
      version: row['version'] ?? '',
      id: row.id,
    }),
});
// A value never reaches an audit row, whoever records one about a secret.
declareAuditRedactions('vault_secret', ['value', 'sealedValue', 'sealed_value']);

interface SecretRow {
  id: string;
  name: string;
  description: string | null;
  environment: KeyEnvironment;
  current_version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, description, environment, current_version, created_at, updated_at';

function secretView(row: SecretRow): VaultSecretDto {
  return {
    name: row.name,
    description: row.description,
    environment: row.environment,
    currentVersion: row.current_version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * A workspace's secrets, sealed with the master keyring. Values go in through create and
 * new version and come out through reveal only; metadata never carries them, and neither
 * do audit rows, log lines or errors. Every statement names the owner's workspace and
 * environment, and row-level security holds the same line.
 */
@Injectable()
export class VaultSecrets {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly cipher: AesGcmCipher,
    private readonly trail: AuditTrail,
    private readonly events: SecurityEvents,
    @Inject(VAULT_OPTIONS) private readonly options: VaultOptions,
    private readonly domainEvents: DomainEvents,
  ) {}

  async create(owner: VaultOwner, input: { name: string; value: string; description?: string }): Promise<VaultSecretDto> {
    const manager = this.unitOfWork.manager;
    // One creator at a time per vault, so the count below is the count at insert.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('vault:' || $1 || ':' || $2, 0))`, [
      owner.workspaceId,
      owner.environment,
    ]);
    const [{ count } = { count: '0' }] = await sqlRows<{ count: string }>(
      manager,
      'SELECT count(*) AS count FROM vault_secrets WHERE workspace_id = $1 AND environment = $2',
      [owner.workspaceId, owner.environment],
    );
    if (Number(count) >= this.options.maxSecrets) {
      throw VaultProblems.VAULT_FULL({ detail: `This vault holds its maximum of ${this.options.maxSecrets} secrets.` });
    }
    const [row] = await sqlRows<SecretRow>(
      manager,
      `INSERT INTO vault_secrets (workspace_id, environment, name, description, current_version, created_by)
       VALUES ($1, $2, $3, $4, 1, $5)
       ON CONFLICT ON CONSTRAINT vault_secrets_name_unique DO NOTHING RETURNING ${COLUMNS}`,
      [owner.workspaceId, owner.environment, input.name, input.description ?? null, actorLabel(this.context.principal)],
    );
    if (!row) throw VaultProblems.SECRET_EXISTS();
    await this.insertVersion(owner, row.id, 1, input.value);
    const view = secretView(row);
    this.trail.record({
      target: { type: 'vault_secret', id: row.id },
      after: { name: view.name, description: view.description, currentVersion: 1 },
    });
    return view;
  }

  /** By name, a page at a time (a name is unique in its vault). */
  list(owner: VaultOwner, query: { limit?: number; cursor?: string } = {}): Promise<Page<VaultSecretDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = positionOf(query.cursor, ['text']);
    return this.unitOfWork.read(async () => {
      const rows = await sqlRows<SecretRow>(
        this.unitOfWork.manager,
        `SELECT ${COLUMNS} FROM vault_secrets WHERE workspace_id = $1 AND environment = $2 AND ($3::text IS NULL OR name > $3)
          ORDER BY name LIMIT $4`,
        [owner.workspaceId, owner.environment, after?.[0] ?? null, limit + 1],
      );
      return pageOf(rows, limit, secretView, (row) => [row.name]);
    });
  }

  get(owner: VaultOwner, name: string): Promise<VaultSecretDetailDto> {
    return this.unitOfWork.read(async () => {
      const secret = await this.find(owner, name, false);
      const versions = await sqlRows<{ version: number; created_at: Date; created_by: string }>(
        this.unitOfWork.manager,
        'SELECT version, created_at, created_by FROM vault_secret_versions WHERE secret_id = $1 AND workspace_id = $2 AND environment = $3 ORDER BY version DESC',
        [secret.id, owner.workspaceId, owner.environment],
      );
      return {
        ...secretView(secret),
        versions: versions.map((v): VaultSecretVersionDto => ({
          version: v.version,
          createdAt: v.created_at.toISOString(),
          createdBy: v.created_by,
        })),
      };
    });
  }

  /**
   * A new current value (and optionally description); versions older than the last
   * `versionsKept` are destroyed in the same transaction. Concurrent additions to one
   * secret queue on its row and each get their own version number.
   */
  async addVersion(owner: VaultOwner, name: string, input: { value: string; description?: string }): Promise<VaultSecretDto> {
    const manager = this.unitOfWork.manager;
    const secret = await this.find(owner, name, true);
    const version = secret.current_version + 1;
    await this.insertVersion(owner, secret.id, version, input.value);
    const [updated] = await sqlRows<SecretRow>(
      manager,
      `UPDATE vault_secrets SET current_version = $2, description = coalesce($3, description), updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [secret.id, version, input.description ?? null],
    );
    const destroyed = await sqlRows<{ version: number }>(
      manager,
      'DELETE FROM vault_secret_versions WHERE secret_id = $1 AND version <= $2 RETURNING version',
      [secret.id, version - this.options.versionsKept],
    );
    const view = secretView(updated!);
    this.trail.record({
      target: { type: 'vault_secret', id: secret.id },
      before: { name: secret.name, description: secret.description, currentVersion: secret.current_version },
      after: {
        name: view.name,
        description: view.description,
        currentVersion: version,
        versionsDestroyed: destroyed.map((row) => row.version).sort((a, b) => a - b),
      },
    });
    return view;
  }

  /** Deletes the secret and destroys every version's ciphertext with it. */
  async delete(owner: VaultOwner, name: string): Promise<void> {
    const manager = this.unitOfWork.manager;
    const secret = await this.find(owner, name, true);
    const destroyed = await sqlRows<{ version: number }>(
      manager,
      'DELETE FROM vault_secret_versions WHERE secret_id = $1 RETURNING version',
      [secret.id],
    );
    await manager.query('DELETE FROM vault_secrets WHERE id = $1', [secret.id]);
    this.trail.record({
      target: { type: 'vault_secret', id: secret.id },
      before: {
        name: secret.name,
        description: secret.description,
        currentVersion: secret.current_version,
        versions: destroyed.map((row) => row.version).sort((a, b) => a - b),
      },
    });
  }

  /**
   * The plaintext of one version (the current one by default). The caller's route writes
   * the audit row (who, which secret, which version) in the transaction this read runs
   * in, so the value leaves only once that row is committed.
   */
  async reveal(owner: VaultOwner, name: string, version?: number): Promise<RevealedVaultSecretDto> {
    const [row] = await sqlRows<{ secret_id: string; version_id: string; version: number; sealed_value: Buffer }>(
      this.unitOfWork.manager,
      `SELECT s.id AS secret_id, v.id AS version_id, v.version, v.sealed_value
         FROM vault_secrets s
         JOIN vault_secret_versions v ON v.secret_id = s.id AND v.version = coalesce($4, s.current_version)
        WHERE s.workspace_id = $1 AND s.environment = $2 AND s.name = $3`,
      [owner.workspaceId, owner.environment, name, version ?? null],
    );
    if (!row)
      throw RequestProblems.NOT_FOUND({
        detail: version === undefined ? 'No such secret.' : 'No such secret, or that version is not kept.',
      });
    const target = { type: 'vault_secret', id: row.secret_id };
    let plaintext: Buffer;
    try {
      plaintext = this.cipher.decrypt(
        row.sealed_value,
        vaultValueAad({ ...owner, secretId: row.secret_id, version: row.version, id: row.version_id }),
      );
    } catch (error) {
      // A ciphertext that does not open here was moved, altered or sealed under a retired
      // key: evidence worth keeping although the request fails (a 500 that says nothing).
      if (error instanceof DecryptionError) {
        await this.events.record({
          action: 'vault_secret.reveal',
          outcome: 'failure',
          reason: 'undecryptable',
          target,
          after: { name, version: row.version },
        });
      }
      throw error;
    }
    const value = plaintext.toString('utf8');
    plaintext.fill(0);
    this.trail.record({ target, after: { name, version: row.version } });
    await this.domainEvents.record(owner, {
      type: 'vault.secret.revealed',
      subjectId: name,
      payload: { name, version: row.version, revealedBy: actorLabel(this.context.principal) },
    });
    return { name, version: row.version, value };
  }

  private async find(owner: VaultOwner, name: string, forUpdate: boolean): Promise<SecretRow> {
    const [row] = await sqlRows<SecretRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM vault_secrets WHERE workspace_id = $1 AND environment = $2 AND name = $3${forUpdate ? ' FOR UPDATE' : ''}`,
      [owner.workspaceId, owner.environment, name],
    );
    if (!row) throw RequestProblems.NOT_FOUND({ detail: 'No such secret.' });
    return row;
  }

  private async insertVersion(owner: VaultOwner, secretId: string, version: number, value: string): Promise<void> {
    const id = randomUUID();
    const plaintext = Buffer.from(value, 'utf8');
    const sealed = this.cipher.encrypt(plaintext, vaultValueAad({ ...owner, secretId, version, id }));
    plaintext.fill(0);
    await this.unitOfWork.manager.query(
      `INSERT INTO vault_secret_versions (id, secret_id, workspace_id, environment, version, sealed_value, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, secretId, owner.workspaceId, owner.environment, version, sealed, actorLabel(this.context.principal)],
    );
  }
}
