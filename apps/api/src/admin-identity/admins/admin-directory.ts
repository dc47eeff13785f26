import { Injectable } from '@nestjs/common';
import { AesGcmCipher, declareSealedColumn } from '@ringfence/crypto';
import { AdminRole, sqlCount, SqlReader, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { isUUID } from 'class-validator';
import { DEFAULT_PAGE_SIZE, Page, pageOf, positionOf } from '../../paging/keyset-page';

// TOTP secrets are sealed under the keyring: the rewrap command moves them to a new key.
declareSealedColumn({ table: 'admins', column: 'totp_secret', idColumn: 'id', aad: ({ id }) => totpAad(id, 'active') });
declareSealedColumn({ table: 'admins', column: 'totp_pending_secret', idColumn: 'id', aad: ({ id }) => totpAad(id, 'pending') });

export type AdminStatus = 'active' | 'disabled';

/** An admin as the identity code sees it. The TOTP secret stays sealed until it is used. */
export interface AdminRecord {
  id: string;
  email: string;
  role: AdminRole;
  status: AdminStatus;
  passwordHash: string;
  passwordMustChange: boolean;
  /** When the password was last set: for a one-time password, when it was issued. */
  passwordChangedAt: Date;
  totpEnabled: boolean;
  sealedTotpSecret: Buffer | null;
  sealedPendingTotpSecret: Buffer | null;
  totpLastStep: number | null;
  createdAt: Date;
}

/** What may be shown about an admin: never a hash or a secret. */
export interface AdminView {
  id: string;
  email: string;
  role: AdminRole;
  status: AdminStatus;
  totpEnabled: boolean;
  createdAt: string;
}

interface AdminRow {
  id: string;
  email: string;
  role: AdminRole;
  status: AdminStatus;
  password_hash: string;
  password_must_change: boolean;
  password_changed_at: Date;
  totp_secret: Buffer | null;
  totp_pending_secret: Buffer | null;
  totp_enabled_at: Date | null;
  totp_last_step: string | null;
  created_at: Date;
}

const COLUMNS = `id, email, role, status, password_hash, password_must_change, password_changed_at, totp_secret,
  totp_pending_secret, totp_enabled_at, totp_last_step, created_at`;

/** Trimmed and lower-cased: the one form an email is stored and looked up in. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function adminView(admin: AdminRecord): AdminView {
  return {
    id: admin.id,
    email: admin.email,
    role: admin.role,
    status: admin.status,
    totpEnabled: admin.totpEnabled,
    createdAt: admin.createdAt.toISOString(),
  };
}

/** The `admins` table, through the current unit of work. */
@Injectable()
export class AdminDirectory {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly cipher: AesGcmCipher,
  ) {}

  /** In the current unit of work, or through `reader` (a login's read outside one). */
  async findByEmail(email: string, reader: SqlReader = this.unitOfWork.manager): Promise<AdminRecord | undefined> {
    const [row] = await sqlRows<AdminRow>(reader, `SELECT ${COLUMNS} FROM admins WHERE email = $1`, [normaliseEmail(email)]);
    return row && toRecord(row);
  }

  async findById(id: string, options: { lock?: boolean } = {}): Promise<AdminRecord | undefined> {
    if (!isUUID(id)) return undefined;
    const [row] = await sqlRows<AdminRow>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS} FROM admins WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row && toRecord(row);
  }

  /** Newest first, a page at a time (keyset on creation time and id). */
  async list(query: { limit?: number; cursor?: string } = {}): Promise<Page<AdminRecord>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = positionOf(query.cursor, ['timestamp', 'uuid']);
    const rows = await sqlRows<AdminRow & { page_at: string }>(
      this.unitOfWork.manager,
      `SELECT ${COLUMNS}, created_at::text AS page_at FROM admins
        WHERE $1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid)
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [before?.[0] ?? null, before?.[1] ?? null, limit + 1],
    );
    return pageOf(rows, limit, toRecord, (row) => [row.page_at, row.id]);
  }

  async count(): Promise<number> {
    const [row] = await sqlRows<{ count: number }>(this.unitOfWork.manager, `SELECT count(*)::int AS count FROM admins`);
    return row?.count ?? 0;
  }

  async insert(admin: { email: string; role: AdminRole; passwordHash: string; passwordMustChange: boolean }): Promise<AdminRecord> {
    const [row] = await sqlRows<AdminRow>(
      this.unitOfWork.manager,
      `INSERT INTO admins (email, role, password_hash, password_must_change) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [normaliseEmail(admin.email), admin.role, admin.passwordHash, admin.passwordMustChange],
    );
    return toRecord(row!);
  }

  /** Locks and returns the active owners, so two demotions cannot both leave "another owner". */
  async lockActiveOwners(): Promise<string[]> {
    const rows = await sqlRows<{ id: string }>(
      this.unitOfWork.manager,
      `SELECT id FROM admins WHERE role = 'owner' AND status = 'active' ORDER BY id FOR UPDATE`,
    );
    return rows.map((row) => row.id);
  }

  async update(id: string, change: { role?: AdminRole; status?: AdminStatus }): Promise<void> {
    await this.unitOfWork.manager.query(
      `UPDATE admins SET role = coalesce($2, role), status = coalesce($3, status), updated_at = now(), version = version + 1 WHERE id = $1`,
      [id, change.role ?? null, change.status ?? null],
    );
  }

  /** A new password; any reset link still outstanding stops working. */
  async setPassword(id: string, passwordHash: string, options: { mustChange: boolean }): Promise<void> {
    await this.unitOfWork.manager.query(
      `UPDATE admins SET password_hash = $2, password_must_change = $3, password_changed_at = now(), updated_at = now(),
              version = version + 1 WHERE id = $1`,
      [id, passwordHash, options.mustChange],
    );
    await this.voidPasswordResets(id);
  }

  async voidPasswordResets(id: string): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE admin_id = $1 AND used_at IS NULL`, [id]);
  }

  /**
   * A rehash with new parameters: the same password, so nothing else changes. Only if the
   * stored hash is still the one verified: a password changed meanwhile stays changed.
   */
  async replaceHash(id: string, verifiedHash: string, passwordHash: string): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admins SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [
      id,
      verifiedHash,
      passwordHash,
    ]);
  }

  async setPendingTotpSecret(id: string, secret: Buffer): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admins SET totp_pending_secret = $2, updated_at = now() WHERE id = $1`, [
      id,
      this.cipher.encrypt(secret, totpAad(id, 'pending')),
    ]);
  }

  /** Makes the (opened) pending secret the active one, with `step` as its last accepted step. */
  async activatePendingTotp(id: string, secret: Buffer, step: number): Promise<boolean> {
    const activated = await sqlCount(
      this.unitOfWork.manager,
      `UPDATE admins SET totp_secret = $2, totp_pending_secret = NULL, totp_enabled_at = now(), totp_last_step = $3,
              updated_at = now(), version = version + 1
        WHERE id = $1 AND totp_secret IS NULL AND totp_pending_secret IS NOT NULL RETURNING 1`,
      [id, this.cipher.encrypt(secret, totpAad(id, 'active')), step],
    );
    return activated > 0;
  }

  /** Records `step` as used, unless it (or a later one) already was: a code is accepted once. */
  async acceptTotpStep(id: string, step: number): Promise<boolean> {
    const accepted = await sqlCount(
      this.unitOfWork.manager,
      `UPDATE admins SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1`,
      [id, step],
    );
    return accepted > 0;
  }

  openTotpSecret(admin: AdminRecord, which: 'active' | 'pending'): Buffer | null {
    const sealed = which === 'active' ? admin.sealedTotpSecret : admin.sealedPendingTotpSecret;
    return sealed ? this.cipher.decrypt(sealed, totpAad(admin.id, which)) : null;
  }
}

/** AAD: the ciphertext belongs to this column of this admin and opens nowhere else. */
function totpAad(adminId: string, which: 'active' | 'pending'): string {
  return `ringfence:admins.${which === 'active' ? 'totp_secret' : 'totp_pending_secret'}:${adminId}`;
}

function toRecord(row: AdminRow): AdminRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: row.status,
    passwordHash: row.password_hash,
    passwordMustChange: row.password_must_change,
    passwordChangedAt: row.password_changed_at,
    totpEnabled: row.totp_enabled_at !== null,
    sealedTotpSecret: row.totp_secret,
    sealedPendingTotpSecret: row.totp_pending_secret,
    totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    createdAt: row.created_at,
  };
}
