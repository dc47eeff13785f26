import { AdminRole } from '@ringfence/tenancy';
import { randomBytes } from 'node:crypto';
import { ScureBase32Plugin } from 'otplib';
import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { Totp } from '../../apps/api/src/admin-identity/second-factor/totp';
import { TestApp } from './test-app';

const base32 = new ScureBase32Plugin();
/** A TOTP time step. */
export const TOTP_STEP_MS = 30_000;

export interface SessionTokens {
  sessionId: string;
  stage: 'setup' | 'full';
  accessToken: string;
  refreshToken?: string;
  csrfToken?: string;
  expiresIn: number;
}

/**
 * A real admin with TOTP enrolled and a full session (`newAdmin`, or the setup routes'
 * `createAdminThroughRoutes`). `secondFactor()` hands out codes the server has not seen yet.
 */
export class TestAdmin {
  private lastStep: number;

  constructor(
    private readonly t: TestApp,
    readonly id: string,
    readonly email: string,
    readonly role: AdminRole,
    public password: string,
    readonly totpSecret: Buffer,
    readonly recoveryCodes: string[],
    public session: SessionTokens,
    acceptedStep: number,
  ) {
    this.lastStep = acceptedStep;
  }

  get headers(): { authorization: string } {
    return { authorization: `Bearer ${this.session.accessToken}` };
  }

  /** A TOTP code for a step the server has not accepted yet (±1 step of drift), else a recovery code. */
  secondFactor(): string {
    const now = Math.floor(Date.now() / TOTP_STEP_MS);
    for (const step of [now - 1, now, now + 1]) {
      if (step > this.lastStep) {
        this.lastStep = step;
        return this.t.app.get(Totp).generate(this.totpSecret, step * TOTP_STEP_MS + 1000);
      }
    }
    const code = this.recoveryCodes.shift();
    if (!code) throw new Error('test admin ran out of second factors');
    return code;
  }

  /** Password + second factor: a new full session (does not replace `session`). */
  async signIn(options: { cookie?: boolean; userAgent?: string } = {}): Promise<SessionTokens & { setCookie?: string }> {
    const headers = options.userAgent ? { 'user-agent': options.userAgent } : {};
    const login = await this.t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers,
      payload: { email: this.email, password: this.password },
    });
    if (login.statusCode !== 200) throw new Error(`login answered ${login.statusCode}: ${login.body}`);
    const { challenge } = login.json<{ challenge: string }>();
    const mfa = await this.t.app.inject({
      method: 'POST',
      url: '/v1/auth/mfa',
      headers,
      payload: { challenge, code: this.secondFactor(), ...(options.cookie ? { refreshTokenDelivery: 'cookie' } : {}) },
    });
    if (mfa.statusCode !== 200) throw new Error(`mfa answered ${mfa.statusCode}: ${mfa.body}`);
    const setCookie = mfa.headers['set-cookie'];
    return { ...mfa.json<SessionTokens>(), ...(typeof setCookie === 'string' ? { setCookie } : {}) };
  }
}

let counter = 0;

/**
 * An admin set up through the real routes: created with a one-time password, first
 * login, TOTP enrolment and confirmation, password change, which leaves a full session.
 * Four argon2 hashes and five requests: for the specs about those routes; others use
 * `newAdmin` (factories.ts).
 */
export async function createAdminThroughRoutes(t: TestApp, role: AdminRole, options: { email?: string } = {}): Promise<TestAdmin> {
  const email = options.email ?? `${role}-${process.pid}-${(counter += 1)}-${randomBytes(3).toString('hex')}@example.com`;
  const created = await t.app.get(AdminBootstrap).create(email, role);
  const login = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: created.oneTimePassword } });
  expectStatus(login, 200);
  const setup = login.json<{ session: SessionTokens }>().session;
  const auth = { authorization: `Bearer ${setup.accessToken}` };

  const enrol = await t.app.inject({ method: 'POST', url: '/v1/auth/totp/enroll', headers: auth });
  expectStatus(enrol, 201);
  const secret = Buffer.from(base32.decode(enrol.json<{ secret: string }>().secret));
  const now = Date.now();
  const confirm = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/totp/confirm',
    headers: auth,
    payload: { code: t.app.get(Totp).generate(secret, now) },
  });
  expectStatus(confirm, 200);
  const { recoveryCodes } = confirm.json<{ recoveryCodes: string[] }>();

  const password = `test ${randomBytes(12).toString('base64url')} passphrase`;
  const change = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/password/change',
    headers: auth,
    payload: { currentPassword: created.oneTimePassword, newPassword: password },
  });
  expectStatus(change, 200);
  const { session } = change.json<{ session: SessionTokens }>();
  return new TestAdmin(t, created.admin.id, email, role, password, secret, recoveryCodes, session, Math.floor(now / TOTP_STEP_MS));
}

function expectStatus(response: { statusCode: number; body: string }, status: number): void {
  if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
}
