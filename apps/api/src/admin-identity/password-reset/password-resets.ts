import { Injectable } from '@nestjs/common';
import { AuditWriter, SecurityEvents } from '@ringfence/audit';
import { AesGcmCipher } from '@ringfence/crypto';
import { ATTEMPT_BUDGETS, AttemptLimiter } from '@ringfence/limits';
import { ANONYMOUS, JobRegistry, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { assertAcceptable } from '../account/own-account';
import { PASSWORD_RESET_MAX_FAILURES } from '../admin-identity.options';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { AdminDirectory, normaliseEmail } from '../admins/admin-directory';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicy } from '../passwords/password-policy';
import { SecondFactor } from '../second-factor/second-factor';
import { AdminSessions } from '../sessions/admin-sessions';
import { isOpaqueToken, opaqueTokenHash } from '../tokens/opaque-token';
import { MAIL_WORKER_JOB, mailOutboxAad } from './password-reset-mail';

/**
 * Forgotten passwords. A request is only queued (the same insert whoever the email
 * belongs to, so the answer and its timing say nothing); the mail worker
 * (PasswordResetMail) looks the email up, issues a single-use, one-hour token (stored
 * hashed) and mails the link. A reset needs the second factor when one is enrolled, and
 * ends every session.
 */
@Injectable()
export class PasswordResets {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly cipher: AesGcmCipher,
    private readonly directory: AdminDirectory,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly secondFactor: SecondFactor,
    private readonly sessions: AdminSessions,
    private readonly limiter: AttemptLimiter,
    private readonly audit: AuditWriter,
    private readonly events: SecurityEvents,
    private readonly jobs: JobRegistry,
  ) {}

  /** Queues a reset request for `email`, known or not. */
  async request(email: string): Promise<void> {
    await this.limiter.enforce([
      [ATTEMPT_BUDGETS.forgotPerIp, this.context.clientIp ?? 'unknown'],
      [ATTEMPT_BUDGETS.forgotPerAccount, normaliseEmail(email)],
    ]);
    const id = randomUUID();
    const payload = this.cipher.encrypt(Buffer.from(JSON.stringify({ email: normaliseEmail(email) })), mailOutboxAad(id));
    await this.unitOfWork.run(
      async () => {
        await this.unitOfWork.manager.query(
          `INSERT INTO mail_outbox (id, kind, sealed_payload) VALUES ($1, 'password_reset_request', $2)`,
          [id, payload],
        );
      },
      { principal: ANONYMOUS },
    );
    // Where this instance runs the mail worker, it need not wait for its next turn.
    this.jobs.nudge(MAIL_WORKER_JOB);
  }

  async reset(token: string, newPassword: string, code: string | undefined): Promise<void> {
    await this.limiter.enforce([[ATTEMPT_BUDGETS.resetPerIp, this.context.clientIp ?? 'unknown']]);
    const refused = AdminIdentityProblems.RESET_REJECTED();
    if (!isOpaqueToken(token)) {
      await this.events.record({ action: 'auth.password_reset', outcome: 'failure', reason: 'malformed_token' }, ANONYMOUS);
      throw refused;
    }
    const hash = opaqueTokenHash(token);
    const done = await this.unitOfWork.run(
      async (): Promise<boolean> => {
        const manager = this.unitOfWork.manager;
        const [row] = await sqlRows<{ admin_id: string; failures: number }>(
          manager,
          `SELECT admin_id, failures FROM admin_password_resets
            WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND failures < $2 FOR UPDATE`,
          [hash, PASSWORD_RESET_MAX_FAILURES],
        );
        const admin = row && (await this.directory.findById(row.admin_id, { lock: true }));
        if (!row || !admin || admin.status !== 'active') {
          await this.audit.append({
            action: 'auth.password_reset',
            outcome: 'failure',
            reason: row ? 'admin_disabled' : 'unknown_used_or_expired_token',
            ...(row ? { target: { type: 'admin', id: row.admin_id } } : {}),
          });
          return false;
        }
        assertAcceptable(this.policy, newPassword, admin.email, 'newPassword');
        if (admin.totpEnabled && !(code && (await this.secondFactor.verify(admin, code)))) {
          await manager.query(`UPDATE admin_password_resets SET failures = failures + 1 WHERE token_hash = $1`, [hash]);
          await this.audit.append({
            action: 'auth.password_reset',
            outcome: 'failure',
            reason: code ? 'wrong_second_factor' : 'second_factor_missing',
            target: { type: 'admin', id: admin.id },
          });
          return false;
        }
        await this.directory.setPassword(admin.id, await this.hasher.hash(newPassword), { mustChange: false });
        await manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE token_hash = $1`, [hash]);
        const ended = await this.sessions.revokeAll(admin.id, 'password_reset');
        await this.audit.append({
          action: 'auth.password_reset',
          outcome: 'success',
          target: { type: 'admin', id: admin.id },
          after: { password: 'reset', sessionsEnded: ended },
        });
        return true;
      },
      { principal: ANONYMOUS },
    );
    if (!done) throw refused;
  }
}
