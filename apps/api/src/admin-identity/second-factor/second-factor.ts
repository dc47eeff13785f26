import { Injectable } from '@nestjs/common';
import { sqlCount, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { AdminDirectory, AdminRecord } from '../admins/admin-directory';
import { generateRecoveryCodes, looksLikeRecoveryCode, recoveryCodeHash } from './recovery-codes';
import { Totp } from './totp';

export type SecondFactorMethod = 'totp' | 'recovery_code';

/** Checks a TOTP code or a recovery code for an admin, spending it: each is accepted once. */
@Injectable()
export class SecondFactor {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly directory: AdminDirectory,
    private readonly totp: Totp,
  ) {}

  /** In the current unit of work; the method that matched, or null. */
  async verify(admin: AdminRecord, code: string): Promise<SecondFactorMethod | null> {
    if (!admin.totpEnabled) return null;
    if (looksLikeRecoveryCode(code)) {
      const spent = await sqlCount(
        this.unitOfWork.manager,
        `UPDATE admin_recovery_codes SET used_at = now() WHERE admin_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
        [admin.id, recoveryCodeHash(code)],
      );
      return spent > 0 ? 'recovery_code' : null;
    }
    const secret = this.directory.openTotpSecret(admin, 'active');
    const step = secret && this.totp.verify(secret, code, admin.totpLastStep);
    if (step === null || step === undefined) return null;
    return (await this.directory.acceptTotpStep(admin.id, step)) ? 'totp' : null;
  }

  /** A new set of ten codes; the old set stops working in the same transaction. */
  async replaceRecoveryCodes(adminId: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    await this.unitOfWork.manager.query(`DELETE FROM admin_recovery_codes WHERE admin_id = $1`, [adminId]);
    await this.unitOfWork.manager.query(`INSERT INTO admin_recovery_codes (admin_id, code_hash) SELECT $1, unnest($2::bytea[])`, [
      adminId,
      codes.map(recoveryCodeHash),
    ]);
    return codes;
  }

  async remainingRecoveryCodes(adminId: string): Promise<number> {
    const [row] = await sqlRows<{ count: number }>(
      this.unitOfWork.manager,
      `SELECT count(*)::int AS count FROM admin_recovery_codes WHERE admin_id = $1 AND used_at IS NULL`,
      [adminId],
    );
    return row?.count ?? 0;
  }
}
