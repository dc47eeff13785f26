import { Injectable } from '@nestjs/common';
import { unauthenticated } from '@ringfence/access';
import { AuditWriter, SecurityEvents } from '@ringfence/audit';
import { ATTEMPT_BUDGETS, AttemptLimiter, LimitProblems } from '@ringfence/limits';
import { ANONYMOUS, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import {
  MFA_CHALLENGE_MAX_FAILURES,
  MFA_CHALLENGE_TTL_MS,
  MFA_FAILURE_WINDOW_MS,
  MFA_MAX_FAILURES_PER_ADMIN,
  ONE_TIME_PASSWORD_TTL_MS,
} from '../admin-identity.options';
import { AdminDirectory, AdminRecord, normaliseEmail } from '../admins/admin-directory';
import { PasswordHasher } from '../passwords/password-hasher';
import { SecondFactor } from '../second-factor/second-factor';
import { AdminSessions, RefreshDelivery, SessionTokens } from '../sessions/admin-sessions';
import { isOpaqueToken, newOpaqueToken, opaqueTokenHash } from '../tokens/opaque-token';

export type SetupStep = 'totp_enrolment' | 'password_change';

export type LoginResult =
  | { kind: 'second_factor_required'; challenge: string; expiresIn: number }
  | { kind: 'session'; tokens: SessionTokens; setupRequired: SetupStep[] };

type Refusal = { refused: string; adminId?: string; limited?: boolean };

/**
 * The way in: email and password, then a second factor. Every failure answers the same
 * 401; its real reason (unknown email, wrong password, disabled admin, a one-time password
 * past its 72 hours, wrong code, dead challenge) is audited in its own transaction. An unknown email still pays one argon2
 * verification, so it takes as long as a known one.
 */
@Injectable()
export class AdminLogin {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly directory: AdminDirectory,
    private readonly hasher: PasswordHasher,
    private readonly sessions: AdminSessions,
    private readonly secondFactor: SecondFactor,
    private readonly limiter: AttemptLimiter,
    private readonly audit: AuditWriter,
    private readonly events: SecurityEvents,
  ) {}

  async login(email: string, password: string): Promise<LoginResult> {
    await this.limiter.enforce(
      [
        [ATTEMPT_BUDGETS.loginPerIp, this.context.clientIp ?? 'unknown'],
        [ATTEMPT_BUDGETS.loginPerAccount, normaliseEmail(email)],
      ],
      () => this.events.record({ action: 'auth.login', outcome: 'denied', reason: 'rate_limited' }, ANONYMOUS),
    );
    // Outside a unit of work: no transaction is held open through the password hash's verification.
    const admin = await this.unitOfWork.readOutsideUnitOfWork('login: the admin by email, before the password check', (reader) =>
      this.directory.findByEmail(email, reader),
    );
    const passwordOk = admin ? await this.hasher.verify(admin.passwordHash, password) : await this.hasher.verifyNothing(password);
    if (!admin) return this.refuse('auth.login', { refused: 'unknown_email' });
    if (!passwordOk) return this.refuse('auth.login', { refused: 'wrong_password', adminId: admin.id });
    if (admin.status !== 'active') return this.refuse('auth.login', { refused: 'admin_disabled', adminId: admin.id });
    if (admin.passwordMustChange && Date.now() - admin.passwordChangedAt.getTime() > ONE_TIME_PASSWORD_TTL_MS)
      return this.refuse('auth.login', { refused: 'one_time_password_expired', adminId: admin.id });

    const rehashed = this.hasher.needsRehash(admin.passwordHash) ? await this.hasher.hash(password) : undefined;
    return this.unitOfWork.run(
      async (): Promise<LoginResult> => {
        if (rehashed) await this.directory.replaceHash(admin.id, admin.passwordHash, rehashed);
        const target = { type: 'admin', id: admin.id };
        if (admin.totpEnabled) {
          const challenge = newOpaqueToken();
          // One open challenge per admin: a new login closes the previous one.
          await this.unitOfWork.manager.query(
            `UPDATE admin_mfa_challenges SET closed_at = now() WHERE admin_id = $1 AND closed_at IS NULL`,
            [admin.id],
          );
          await this.unitOfWork.manager.query(
            `INSERT INTO admin_mfa_challenges (token_hash, admin_id, expires_at, client_ip, user_agent)
             VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)`,
            [
              challenge.hash,
              admin.id,
              MFA_CHALLENGE_TTL_MS / 1000,
              this.context.clientIp ?? null,
              this.context.userAgent?.slice(0, 512) ?? null,
            ],
          );
          await this.audit.append({ action: 'auth.login', outcome: 'success', reason: 'second_factor_required', target });
          return { kind: 'second_factor_required', challenge: challenge.token, expiresIn: MFA_CHALLENGE_TTL_MS / 1000 };
        }
        const tokens = await this.sessions.open(admin.id, { stage: 'setup', secondFactor: false, cookie: false });
        await this.audit.append({ action: 'auth.login', outcome: 'success', reason: 'setup_required', target });
        return { kind: 'session', tokens, setupRequired: setupSteps(admin) };
      },
      { principal: ANONYMOUS },
    );
  }

  /** The second step: a challenge from `login` and a TOTP or recovery code. */
  async completeSecondFactor(challengeToken: string, code: string, delivery: RefreshDelivery): Promise<LoginResult> {
    await this.limiter.enforce([[ATTEMPT_BUDGETS.mfaPerIp, this.context.clientIp ?? 'unknown']], () =>
      this.events.record({ action: 'auth.mfa', outcome: 'denied', reason: 'rate_limited' }, ANONYMOUS),
    );
    if (!isOpaqueToken(challengeToken)) return this.refuse('auth.mfa', { refused: 'malformed_challenge' });

    // Failures are counted and audited in this transaction, which commits; the 401 comes after.
    const outcome = await this.unitOfWork.run(
      async (): Promise<LoginResult | Refusal> => {
        const manager = this.unitOfWork.manager;
        const [challenge] = await sqlRows<{ admin_id: string; failures: number }>(
          manager,
          `SELECT admin_id, failures FROM admin_mfa_challenges
            WHERE token_hash = $1 AND closed_at IS NULL AND expires_at > now() FOR UPDATE`,
          [opaqueTokenHash(challengeToken)],
        );
        if (!challenge) return this.refusalAudited('auth.mfa', { refused: 'unknown_or_closed_challenge' });
        const admin = await this.directory.findById(challenge.admin_id, { lock: true });
        const close = async (): Promise<void> => {
          await manager.query(`UPDATE admin_mfa_challenges SET closed_at = now() WHERE token_hash = $1`, [opaqueTokenHash(challengeToken)]);
        };
        if (!admin || admin.status !== 'active') {
          await close();
          return this.refusalAudited('auth.mfa', { refused: 'admin_disabled', adminId: challenge.admin_id });
        }
        // Per admin, whatever the address: wrong codes across all of the admin's recent
        // challenges. Counted in the database, so every instance sees the same total.
        const [recent] = await sqlRows<{ failures: number }>(
          manager,
          `SELECT coalesce(sum(failures), 0)::int AS failures FROM admin_mfa_challenges
            WHERE admin_id = $1 AND created_at > now() - make_interval(secs => $2)`,
          [admin.id, MFA_FAILURE_WINDOW_MS / 1000],
        );
        if ((recent?.failures ?? 0) >= MFA_MAX_FAILURES_PER_ADMIN) {
          await close();
          return { ...(await this.refusalAudited('auth.mfa', { refused: 'too_many_wrong_codes', adminId: admin.id })), limited: true };
        }
        const method = await this.secondFactor.verify(admin, code);
        if (!method) {
          const failures = challenge.failures + 1;
          await manager.query(
            `UPDATE admin_mfa_challenges SET failures = $2::int, closed_at = CASE WHEN $2::int >= $3::int THEN now() END WHERE token_hash = $1`,
            [opaqueTokenHash(challengeToken), failures, MFA_CHALLENGE_MAX_FAILURES],
          );
          const reason = failures >= MFA_CHALLENGE_MAX_FAILURES ? 'wrong_code_challenge_closed' : 'wrong_code';
          return this.refusalAudited('auth.mfa', { refused: reason, adminId: admin.id });
        }
        await close();
        const stage = admin.passwordMustChange ? 'setup' : 'full';
        const tokens = await this.sessions.open(admin.id, { stage, secondFactor: true, ...delivery });
        await this.audit.append({ action: 'auth.mfa', outcome: 'success', reason: method, target: { type: 'admin', id: admin.id } });
        return { kind: 'session', tokens, setupRequired: setupSteps(admin) };
      },
      { principal: ANONYMOUS },
    );
    if ('refused' in outcome)
      throw outcome.limited ? LimitProblems.RATE_LIMITED({ retryAfterSeconds: MFA_FAILURE_WINDOW_MS / 1000 }) : unauthenticated();
    return outcome;
  }

  private async refusalAudited(action: string, refusal: Refusal): Promise<Refusal> {
    await this.audit.append({
      action,
      outcome: 'failure',
      reason: refusal.refused,
      ...(refusal.adminId ? { target: { type: 'admin', id: refusal.adminId } } : {}),
    });
    return refusal;
  }

  private async refuse(action: string, refusal: Refusal): Promise<never> {
    await this.events.record(
      {
        action,
        outcome: 'failure',
        reason: refusal.refused,
        ...(refusal.adminId ? { target: { type: 'admin', id: refusal.adminId } } : {}),
      },
      ANONYMOUS,
    );
    throw unauthenticated();
  }
}

export function setupSteps(admin: Pick<AdminRecord, 'totpEnabled' | 'passwordMustChange'>): SetupStep[] {
  return [...(admin.totpEnabled ? [] : ['totp_enrolment' as const]), ...(admin.passwordMustChange ? ['password_change' as const] : [])];
}
