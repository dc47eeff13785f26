import { Injectable } from '@nestjs/common';
import { AuditTrail, declareAuditRedactions } from '@ringfence/audit';
import { randomToken } from '@ringfence/crypto';
import { RequestProblems } from '@ringfence/problems';
import { AdminRole, UnitOfWork } from '@ringfence/tenancy';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { PasswordHasher } from '../passwords/password-hasher';
import { AdminSessions } from '../sessions/admin-sessions';
import { AdminDirectory, AdminStatus, AdminView, adminView, normaliseEmail } from './admin-directory';
import { Page } from '../../paging/keyset-page';

// An admin's credentials never reach an audit row (markers such as `password: 'changed'` do).
declareAuditRedactions('admin', ['passwordHash', 'password_hash', 'oneTimePassword', 'totpSecret', 'totp_secret', 'codes', 'secret']);

export interface CreatedAdmin {
  admin: AdminView;
  /** Shown once; the admin must replace it (and enrol TOTP) at first login. */
  oneTimePassword: string;
}

/** A one-time password: 20 random bytes, in groups a person can type. */
export function newOneTimePassword(): string {
  return randomToken(20)
    .match(/.{1,8}/g)!
    .join('-');
}

/**
 * Owners manage admins. The last active owner can be neither demoted nor disabled:
 * the active owners are locked first, so two concurrent changes cannot both count on
 * the other owner. Disabling an admin ends all their sessions in the same transaction.
 */
@Injectable()
export class AdminManagement {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly sessions: AdminSessions,
    private readonly hasher: PasswordHasher,
    private readonly trail: AuditTrail,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async list(query: { limit?: number; cursor?: string } = {}): Promise<Page<AdminView>> {
    const page = await this.unitOfWork.read(() => this.directory.list(query));
    return { items: page.items.map(adminView), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<AdminView> {
    const admin = await this.unitOfWork.read(() => this.directory.findById(id));
    if (!admin) throw RequestProblems.NOT_FOUND();
    return adminView(admin);
  }

  async create(email: string, role: AdminRole): Promise<CreatedAdmin> {
    if (await this.directory.findByEmail(email)) throw AdminIdentityProblems.ADMIN_EXISTS();
    const oneTimePassword = newOneTimePassword();
    const created = await this.directory.insert({
      email: normaliseEmail(email),
      role,
      passwordHash: await this.hasher.hash(oneTimePassword),
      passwordMustChange: true,
    });
    const view = adminView(created);
    this.trail.record({ target: { type: 'admin', id: created.id }, after: { email: view.email, role: view.role, status: view.status } });
    return { admin: view, oneTimePassword };
  }

  async update(id: string, change: { role?: AdminRole; status?: AdminStatus }): Promise<AdminView> {
    const owners = await this.directory.lockActiveOwners();
    const admin = await this.directory.findById(id, { lock: true });
    if (!admin) throw RequestProblems.NOT_FOUND();
    const losesOwnership =
      admin.role === 'owner' && admin.status === 'active' && ((change.role ?? 'owner') !== 'owner' || change.status === 'disabled');
    if (losesOwnership && owners.length <= 1) throw AdminIdentityProblems.LAST_OWNER();
    await this.directory.update(id, change);
    this.sessions.forgetAdmin(id);
    let sessionsEnded = 0;
    if (change.status === 'disabled' && admin.status !== 'disabled') {
      sessionsEnded = await this.sessions.revokeAll(id, 'admin_disabled');
      await this.directory.voidPasswordResets(id);
    }
    const updated: AdminView = { ...adminView(admin), role: change.role ?? admin.role, status: change.status ?? admin.status };
    this.trail.record({
      target: { type: 'admin', id },
      before: { role: admin.role, status: admin.status },
      after: { role: updated.role, status: updated.status, ...(sessionsEnded ? { sessionsEnded } : {}) },
    });
    return updated;
  }
}
