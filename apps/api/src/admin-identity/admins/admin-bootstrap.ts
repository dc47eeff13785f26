import { Injectable } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { AdminRole, UnitOfWork } from '@ringfence/tenancy';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { PasswordHasher } from '../passwords/password-hasher';
import { AdminDirectory, adminView, normaliseEmail } from './admin-directory';
import { CreatedAdmin, newOneTimePassword } from './admin-management';

// Any fixed 64-bit number: two instances starting at once create one first owner.
const FIRST_OWNER_LOCK = '5318008421337271828';

/** Admins created by the operator on the host: the first owner, and `npm run admin:create`. */
@Injectable()
export class AdminBootstrap {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly directory: AdminDirectory,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditWriter,
  ) {}

  /** Creates an owner only when no admin exists at all; null otherwise. */
  async createFirstOwner(email: string): Promise<CreatedAdmin | null> {
    const oneTimePassword = newOneTimePassword();
    const passwordHash = await this.hasher.hash(oneTimePassword);
    return this.unitOfWork.run(
      async () => {
        await this.unitOfWork.manager.query(`SELECT pg_advisory_xact_lock($1)`, [FIRST_OWNER_LOCK]);
        if ((await this.directory.count()) > 0) return null;
        return this.insert(email, 'owner', passwordHash, oneTimePassword, 'admin.bootstrap');
      },
      { principal: { kind: 'system', process: 'first-start' } },
    );
  }

  async create(email: string, role: AdminRole): Promise<CreatedAdmin> {
    const oneTimePassword = newOneTimePassword();
    const passwordHash = await this.hasher.hash(oneTimePassword);
    return this.unitOfWork.run(
      async () => {
        if (await this.directory.findByEmail(email)) throw AdminIdentityProblems.ADMIN_EXISTS();
        return this.insert(email, role, passwordHash, oneTimePassword, 'admin.create');
      },
      { principal: { kind: 'system', process: 'admin:create' } },
    );
  }

  private async insert(
    email: string,
    role: AdminRole,
    passwordHash: string,
    oneTimePassword: string,
    action: string,
  ): Promise<CreatedAdmin> {
    const created = await this.directory.insert({ email: normaliseEmail(email), role, passwordHash, passwordMustChange: true });
    const view = adminView(created);
    await this.audit.append({
      action,
      outcome: 'success',
      target: { type: 'admin', id: created.id },
      after: { email: view.email, role: view.role, status: view.status },
    });
    return { admin: view, oneTimePassword };
  }
}
