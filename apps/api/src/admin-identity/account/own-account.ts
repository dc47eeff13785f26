import { Injectable } from '@nestjs/common';
import { AuditTrail, SecurityEvents } from '@ringfence/audit';
import { ATTEMPT_BUDGETS, AttemptLimiter } from '@ringfence/limits';
import { RequestProblems } from '@ringfence/problems';
import { Principal } from '@ringfence/tenancy';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { AdminDirectory, AdminRecord } from '../admins/admin-directory';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicy } from '../passwords/password-policy';
import { SecondFactor } from '../second-factor/second-factor';
import { Totp } from '../second-factor/totp';
import { AdminSessions, RefreshDelivery, SessionTokens } from '../sessions/admin-sessions';

type AdminPrincipal = Extract<Principal, { kind: 'admin' }>;

export interface TotpEnrolmentView {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export interface SetupProgress {
  /** Present when this call finished the account's setup: the session is now a full one. */
  tokens?: SessionTokens;
}

/**
 * What an admin does to their own account: TOTP enrolment, recovery codes, step-up and
 * password change. Runs in the request's transaction; a refused second factor or
 * password is recorded as a security event in its own, so the refusal keeps its evidence.
 */
@Injectable()
export class OwnAccount {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly sessions: AdminSessions,
    private readonly secondFactor: SecondFactor,
    private readonly totp: Totp,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly limiter: AttemptLimiter,
    private readonly trail: AuditTrail,
    private readonly events: SecurityEvents,
  ) {}

  async startTotpEnrolment(principal: AdminPrincipal): Promise<TotpEnrolmentView> {
    const admin = await this.load(principal);
    if (admin.totpEnabled) throw AdminIdentityProblems.TOTP_ALREADY_ENROLLED();
    const enrolment = await this.totp.enrol(admin.email);
    await this.directory.setPendingTotpSecret(admin.id, enrolment.secret);
    this.trail.record({ target: { type: 'admin', id: admin.id }, after: { totp: 'pending' } });
    return { secret: enrolment.secretBase32, otpauthUri: enrolment.otpauthUri, qrCodeDataUrl: enrolment.qrCodeDataUrl };
  }

  async confirmTotp(
    principal: AdminPrincipal,
    code: string,
    delivery: RefreshDelivery,
  ): Promise<SetupProgress & { recoveryCodes: string[] }> {
    await this.spendSecondFactorAttempt(principal, 'auth.totp_confirm');
    const admin = await this.load(principal);
    if (admin.totpEnabled) throw AdminIdentityProblems.TOTP_ALREADY_ENROLLED();
    const pending = this.directory.openTotpSecret(admin, 'pending');
    if (!pending) throw AdminIdentityProblems.TOTP_NOT_STARTED();
    const step = this.totp.verify(pending, code, null);
    if (step === null || !(await this.directory.activatePendingTotp(admin.id, pending, step))) {
      await this.events.record({
        action: 'auth.totp_confirm',
        outcome: 'failure',
        reason: 'wrong_code',
        target: { type: 'admin', id: admin.id },
      });
      throw AdminIdentityProblems.SECOND_FACTOR_REJECTED({ detail: 'The code is not valid. Check the device clock and retry.' });
    }
    const recoveryCodes = await this.secondFactor.replaceRecoveryCodes(admin.id);
    await this.sessions.markSecondFactor(principal.sessionId);
    // Any other session was opened with the password alone: with TOTP now on, none may go on.
    await this.sessions.revokeAll(admin.id, 'totp_enrolled', principal.sessionId);
    this.trail.record({
      target: { type: 'admin', id: admin.id },
      before: { totp: 'pending' },
      after: { totp: 'enabled', recoveryCodes: 'issued' },
    });
    const tokens = await this.finishSetupIfDone(principal, { ...admin, totpEnabled: true }, delivery);
    return { recoveryCodes, ...(tokens ? { tokens } : {}) };
  }

  /** Step-up: a fresh second factor for this session. */
  async stepUp(principal: AdminPrincipal, code: string): Promise<void> {
    await this.spendSecondFactorAttempt(principal, 'auth.step_up');
    const admin = await this.load(principal);
    const method = await this.secondFactor.verify(admin, code);
    if (!method) {
      await this.events.record({
        action: 'auth.step_up',
        outcome: 'failure',
        reason: 'wrong_code',
        target: { type: 'admin', id: admin.id },
      });
      throw AdminIdentityProblems.SECOND_FACTOR_REJECTED();
    }
    await this.sessions.markSecondFactor(principal.sessionId);
    this.trail.record({ target: { type: 'admin_session', id: principal.sessionId }, after: { secondFactor: method } });
  }

  async regenerateRecoveryCodes(principal: AdminPrincipal): Promise<string[]> {
    const admin = await this.load(principal);
    const codes = await this.secondFactor.replaceRecoveryCodes(admin.id);
    this.trail.record({ target: { type: 'admin', id: admin.id }, after: { recoveryCodes: 'replaced' } });
    return codes;
  }

  /** Needs the current password; ends every other session of the admin. */
  async changePassword(principal: AdminPrincipal, current: string, next: string, delivery: RefreshDelivery): Promise<SetupProgress> {
    await this.limiter.enforce([[ATTEMPT_BUDGETS.passwordPerAdmin, principal.adminId]]);
    const admin = await this.load(principal);
    if (!(await this.hasher.verify(admin.passwordHash, current))) {
      await this.events.record({
        action: 'auth.password_change',
        outcome: 'failure',
        reason: 'wrong_current_password',
        target: { type: 'admin', id: admin.id },
      });
      throw AdminIdentityProblems.CURRENT_PASSWORD_REJECTED();
    }
    assertAcceptable(this.policy, next, admin.email, 'newPassword');
    if (current === next) {
      throw RequestProblems.VALIDATION_FAILED({
        detail: 'The new password must differ from the current one.',
        errors: [{ field: 'newPassword', messages: ['must differ from the current password'] }],
      });
    }
    await this.directory.setPassword(admin.id, await this.hasher.hash(next), { mustChange: false });
    const ended = await this.sessions.revokeAll(admin.id, 'password_changed', principal.sessionId);
    this.trail.record({ target: { type: 'admin', id: admin.id }, after: { password: 'changed', otherSessionsEnded: ended } });
    const tokens = await this.finishSetupIfDone(principal, { ...admin, passwordMustChange: false }, delivery);
    return tokens ? { tokens } : {};
  }

  private async finishSetupIfDone(
    principal: AdminPrincipal,
    admin: AdminRecord,
    delivery: RefreshDelivery,
  ): Promise<SessionTokens | undefined> {
    if (principal.stage !== 'setup' || !admin.totpEnabled || admin.passwordMustChange) return undefined;
    return this.sessions.completeSetup(principal.sessionId, admin.id, delivery);
  }

  private spendSecondFactorAttempt(principal: AdminPrincipal, action: string): Promise<void> {
    return this.limiter.enforce([[ATTEMPT_BUDGETS.secondFactorPerAdmin, principal.adminId]], () =>
      this.events.record({ action, outcome: 'denied', reason: 'rate_limited', target: { type: 'admin', id: principal.adminId } }),
    );
  }

  private async load(principal: AdminPrincipal): Promise<AdminRecord> {
    const admin = await this.directory.findById(principal.adminId, { lock: true });
    // The session was live a moment ago; an admin vanishing in between is not the caller's fault.
    if (!admin) throw new Error('the authenticated admin does not exist');
    return admin;
  }
}

/** A password the policy refuses is a 400 on `field`, saying why. */
export function assertAcceptable(policy: PasswordPolicy, password: string, email: string, field: string): void {
  const verdict = policy.check(password, { email });
  if (!verdict.ok) {
    throw RequestProblems.VALIDATION_FAILED({
      detail: 'The password is not acceptable.',
      errors: [{ field, messages: [`password ${verdict.reason}`] }],
    });
  }
}
