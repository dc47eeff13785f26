import { Type } from '@nestjs/common';
import { AUDITED_ACTION, AuditTrail, AuditWriter } from '@ringfence/audit';
import { AdminRole, KeyEnvironment, Principal, UnitOfWork } from '@ringfence/tenancy';
import { randomBytes } from 'node:crypto';
import { AdminDirectory } from '../../apps/api/src/admin-identity/admins/admin-directory';
import { AdminsController } from '../../apps/api/src/admin-identity/admins/admins.controller';
import { PasswordHasher } from '../../apps/api/src/admin-identity/passwords/password-hasher';
import { SecondFactor } from '../../apps/api/src/admin-identity/second-factor/second-factor';
import { AdminSessions } from '../../apps/api/src/admin-identity/sessions/admin-sessions';
import { AdminWorkspacesController } from '../../apps/api/src/workspaces/admin-workspaces.controller';
import { AdminApiKeysController } from '../../apps/api/src/workspaces/api-keys/admin-api-keys.controller';
import { ApiKeysService } from '../../apps/api/src/workspaces/api-keys/api-keys.service';
import { WorkspaceDto } from '../../apps/api/src/workspaces/dto/workspace.dto';
import { WorkspacesService } from '../../apps/api/src/workspaces/workspaces.service';
import { TOTP_STEP_MS, TestAdmin } from './admin-session';
import { TestKey } from './api-key';
import { TestApp } from './test-app';

/** Who the factories act as unless told: the service itself, as `admin:create` and the workers do. */
export const FIXTURE_PRINCIPAL: Principal = Object.freeze({ kind: 'system', process: 'test-fixture' });

/** An admin's principal for its current full session, for factories that act as that admin. */
export function principalOf(admin: TestAdmin): Principal {
  return {
    kind: 'admin',
    adminId: admin.id,
    role: admin.role,
    sessionId: admin.session.sessionId,
    stage: 'full',
    secondFactorAt: Date.now(),
  };
}

/**
 * `work` in a unit of work as `principal`, with the audit row the route `handler` of
 * `controller` writes (its `@Audited` action), in the same transaction: what the route
 * does, without its HTTP.
 */
async function asRoute<T>(t: TestApp, controller: Type, handler: string, principal: Principal, work: () => Promise<T>): Promise<T> {
  const action = Reflect.getMetadata(AUDITED_ACTION, (controller.prototype as Record<string, unknown>)[handler] as object) as
    string | undefined;
  if (!action) throw new Error(`${controller.name}.${handler} is not an @Audited route`);
  const unitOfWork = t.app.get(UnitOfWork);
  return unitOfWork.run(
    async () => {
      const result = await work();
      await t.app.get(AuditWriter).append({ action, outcome: 'success', ...t.app.get(AuditTrail).current() });
      return result;
    },
    { principal },
  );
}

export interface NewWorkspace {
  name?: string;
  plan?: string;
  allowedOrigins?: string[];
  /** The admin who creates it (its audit row's actor); the fixture principal when unset. */
  by?: TestAdmin;
}

/** A workspace made by WorkspacesService, audited as `workspace.create`. */
export function newWorkspace(t: TestApp, options: NewWorkspace = {}): Promise<WorkspaceDto> {
  const { by, ...input } = options;
  return asRoute(t, AdminWorkspacesController, 'create', by ? principalOf(by) : FIXTURE_PRINCIPAL, () =>
    t.app.get(WorkspacesService).create({ name: 'test workspace', ...input }),
  );
}

export interface NewKey {
  scopes?: string[];
  environment?: KeyEnvironment;
  /** The key's workspace (or its id); a new one when unset. */
  workspace?: string | { id: string };
  name?: string;
  expiresAt?: Date;
  /** The admin who makes it: the grant rule of its role applies. The fixture principal when unset. */
  by?: TestAdmin;
}

/** A key made by ApiKeysService (the grant rule and all), audited as `api_key.create`; the full key is in `key`. */
export async function newKey(t: TestApp, options: NewKey = {}): Promise<TestKey> {
  const workspaceId =
    typeof options.workspace === 'string' ? options.workspace : (options.workspace?.id ?? (await newWorkspace(t, { by: options.by })).id);
  const created = await asRoute(t, AdminApiKeysController, 'createKey', options.by ? principalOf(options.by) : FIXTURE_PRINCIPAL, () =>
    t.app.get(ApiKeysService).create(workspaceId, {
      name: options.name ?? 'test key',
      scopes: options.scopes ?? ['vault:read'],
      environment: options.environment ?? 'live',
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    }),
  );
  return { key: created.key, id: created.id, workspaceId, headers: { authorization: `Bearer ${created.key}` } };
}

/**
 * One password for every factory admin of this process, hashed once with the production
 * parameters: an admin costs no argon2 of its own, and nothing verifies a weaker hash.
 */
const SHARED_PASSWORD = `test ${randomBytes(12).toString('base64url')} passphrase`;
let sharedHash: Promise<string> | undefined;

let counter = 0;

/**
 * An admin as the first-login routes leave one, written by the admins table's own
 * services in one unit of work: TOTP enrolled (its last accepted step now), ten recovery
 * codes, the password changed, and a full session, its tokens in `session`. One audit
 * row, `admin.create`; the setup routes' rows are the setup routes' (admin-login.spec).
 */
export async function newAdmin(t: TestApp, role: AdminRole, options: { email?: string } = {}): Promise<TestAdmin> {
  const email = options.email ?? `${role}-${process.pid}-${(counter += 1)}-${randomBytes(3).toString('hex')}@example.com`;
  sharedHash ??= t.app.get(PasswordHasher).hash(SHARED_PASSWORD);
  const passwordHash = await sharedHash;
  const totpSecret = randomBytes(20);
  const acceptedStep = Math.floor(Date.now() / TOTP_STEP_MS);
  const directory = t.app.get(AdminDirectory);
  const { id, recoveryCodes, session } = await asRoute(t, AdminsController, 'create', FIXTURE_PRINCIPAL, async () => {
    const admin = await directory.insert({ email, role, passwordHash, passwordMustChange: false });
    t.app.get(AuditTrail).record({ target: { type: 'admin', id: admin.id }, after: { email: admin.email, role, status: admin.status } });
    await directory.setPendingTotpSecret(admin.id, totpSecret);
    if (!(await directory.activatePendingTotp(admin.id, totpSecret, acceptedStep))) throw new Error('the new admin TOTP did not activate');
    return {
      id: admin.id,
      recoveryCodes: await t.app.get(SecondFactor).replaceRecoveryCodes(admin.id),
      session: await t.app.get(AdminSessions).open(admin.id, { stage: 'full', secondFactor: true, cookie: false }),
    };
  });
  return new TestAdmin(t, id, email, role, SHARED_PASSWORD, totpSecret, recoveryCodes, session, acceptedStep);
}
