import { ThrottlerStorage } from '@nestjs/throttler';
import * as argon2 from 'argon2';
import { LightMyRequestResponse } from 'fastify';
import { createAdminThroughRoutes, TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/** The way in: password, then a second factor; every failure the same 401, its reason audited. */
describe('admin login', () => {
  // Trusting the loopback proxy lets a test play clients from many addresses.
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  let owner: TestAdmin;

  beforeAll(async () => {
    // Through the setup routes: the first test is about them, and the spec signs this owner in throughout.
    owner = await createAdminThroughRoutes(t, 'owner');
  });

  let ipCounter = 0;
  const freshIp = (): string => `198.51.100.${(ipCounter += 1)}`;
  const login = (email: string, password: string, ip = freshIp(), requestId?: string): Promise<LightMyRequestResponse> =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'x-forwarded-for': ip, ...(requestId ? { 'x-request-id': requestId } : {}) },
      payload: { email, password },
    });
  const auditOf = async (requestId: string) =>
    (
      await t.superuser.query('SELECT action, outcome, reason, target_id, actor_type FROM audit_log WHERE client_request_id = $1', [
        requestId,
      ])
    ).rows;
  const withoutRequestId = (response: LightMyRequestResponse): unknown => {
    const { requestId: _requestId, ...rest } = response.json<Record<string, unknown>>();
    return { status: response.statusCode, body: rest, authenticate: response.headers['www-authenticate'] };
  };

  it('sets an admin up through the real routes and signs in with password and TOTP', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: owner.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: owner.id, role: 'owner', stage: 'full', setupRequired: [] });
    const second = await owner.signIn();
    expect(second.stage).toBe('full');
    expect(second.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers unknown email, wrong password and disabled admin with the same 401, and audits the real reason [V6.3.8 V16.3.1 API2:2023]', async () => {
    const disabled = await t.newAdmin('admin');
    await t.superuser.query(`UPDATE admins SET status = 'disabled' WHERE id = $1`, [disabled.id]);

    const unknown = await login('nobody@example.com', 'some password here', freshIp(), 'req-login-unknown');
    const wrong = await login(owner.email, 'not the password at all', freshIp(), 'req-login-wrong');
    const off = await login(disabled.email, disabled.password, freshIp(), 'req-login-disabled');

    expect(withoutRequestId(unknown)).toEqual(withoutRequestId(wrong));
    expect(withoutRequestId(wrong)).toEqual(withoutRequestId(off));
    expect(unknown.statusCode).toBe(401);
    expect(await auditOf('req-login-unknown')).toEqual([
      { action: 'auth.login', outcome: 'failure', reason: 'unknown_email', target_id: null, actor_type: 'anonymous' },
    ]);
    expect(await auditOf('req-login-wrong')).toEqual([
      { action: 'auth.login', outcome: 'failure', reason: 'wrong_password', target_id: owner.id, actor_type: 'anonymous' },
    ]);
    expect(await auditOf('req-login-disabled')).toEqual([
      { action: 'auth.login', outcome: 'failure', reason: 'admin_disabled', target_id: disabled.id, actor_type: 'anonymous' },
    ]);
  });

  it('pays one argon2 verification for an unknown email, as for a known one [V6.3.8]', async () => {
    const { PasswordHasher } = await import('../../apps/api/src/admin-identity/passwords/password-hasher');
    const hasher = t.app.get(PasswordHasher);
    const verify = jest.spyOn(hasher, 'verify');
    const verifyNothing = jest.spyOn(hasher, 'verifyNothing');
    try {
      await login('nobody-else@example.com', 'some password here');
      expect([verify.mock.calls.length, verifyNothing.mock.calls.length]).toEqual([1, 1]); // verifyNothing runs verify on its dummy hash
      verify.mockClear();
      verifyNothing.mockClear();
      await login(owner.email, 'not the password at all');
      expect([verify.mock.calls.length, verifyNothing.mock.calls.length]).toEqual([1, 0]);
    } finally {
      verify.mockRestore();
      verifyNothing.mockRestore();
    }
  });

  it('checks the password exactly as typed [V6.2.8]', async () => {
    expect((await login(owner.email, ` ${owner.password}`)).statusCode).toBe(401);
    expect((await login(owner.email, owner.password.toUpperCase())).statusCode).toBe(401);
    expect((await login(owner.email.toUpperCase(), owner.password)).statusCode).toBe(200);
  });

  it('takes a passphrase of more than 64 characters as typed, composed accents included, and refuses the same text decomposed [V6.2.8 V6.2.9]', async () => {
    const admin = await t.newAdmin('auditor');
    const passphrase = `Le café crème du matin, résumé en cent caractères, ${'é'.repeat(20)} et sans fin ni règle`.normalize('NFC');
    expect([...passphrase].length).toBeGreaterThanOrEqual(64);
    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: admin.headers,
      payload: { currentPassword: admin.password, newPassword: passphrase },
    });
    expect(change.statusCode).toBe(200);
    expect((await login(admin.email, passphrase)).statusCode).toBe(200);
    // The same characters decomposed (NFD) are other code points: not normalised into a match.
    expect((await login(admin.email, passphrase.normalize('NFD'))).statusCode).toBe(401);
  });

  it('refuses a password longer than 128 characters with a 400 before any hashing [V6.2.8 V6.2.9]', async () => {
    const response = await login(owner.email, 'x'.repeat(129), freshIp(), 'req-login-long');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'password' }] });
    expect(await auditOf('req-login-long')).toEqual([]);
    // 128 characters that are not ASCII still count as 128.
    expect((await login(owner.email, '🔑'.repeat(128))).statusCode).toBe(401);
  });

  it('limits attempts per account even from rotating addresses, with Retry-After, and audits the first refusal [V6.3.1 V16.3.1 API2:2023]', async () => {
    // Through the setup routes, whose first login spends one of the account's attempts.
    const target = await createAdminThroughRoutes(t, 'auditor');
    const refusalsAudited = async (): Promise<number> =>
      (await t.superuser.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login' AND reason = 'rate_limited'`)).rows[0]
        .n;
    const before = await refusalsAudited();
    // Ten attempts per account in 15 minutes; the setup login was the first.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      statuses.push((await login(target.email, `wrong guess number ${attempt}`, freshIp())).statusCode);
    }
    expect(statuses).toEqual([...Array<number>(9).fill(401), 429]);
    const limited = await login(target.email, target.password, freshIp());
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // The block is audited once, not once per refused request: a flood writes one row.
    expect(await refusalsAudited()).toBe(before + 1);
  });

  it('limits attempts per client address across accounts [V6.3.1 V15.2.2]', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 21; attempt += 1) {
      statuses.push((await login(`someone-${attempt}@example.com`, 'a guess of a password', ip)).statusCode);
    }
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect((await login(owner.email, owner.password, freshIp())).statusCode).toBe(200);
    // A spent address's further attempts make no counter for the emails they name: a flood
    // of fresh emails from it cannot fill the limiter's memory.
    const storage = t.app.get<ThrottlerStorage, { size: number }>(ThrottlerStorage);
    const counters = storage.size;
    for (let attempt = 0; attempt < 50; attempt += 1) expect((await login(`fresh-${attempt}@example.com`, 'x', ip)).statusCode).toBe(429);
    expect(storage.size).toBe(counters);
  });

  it('counts IPv6 clients per /64, so rotating addresses inside one network does not reset the budget [V6.3.1]', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 21; attempt += 1) {
      statuses.push(
        (await login(`v6-${attempt}@example.com`, 'a guess of a password', `2001:db8:77:1::${(attempt + 1).toString(16)}`)).statusCode,
      );
    }
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect((await login('v6-other@example.com', 'a guess of a password', '2001:db8:77:2::1')).statusCode).toBe(401);
  });

  it('signs in with a one-time password for 72 hours only: past them, the same 401 as a wrong password, audited with its real reason [V6.4.1]', async () => {
    const { AdminBootstrap } = await import('../../apps/api/src/admin-identity/admins/admin-bootstrap');
    const created = await t.app.get(AdminBootstrap).create('stale-otp@example.com', 'admin');
    const age = (hours: number) =>
      t.superuser.query(`UPDATE admins SET password_changed_at = now() - make_interval(hours => $2) WHERE email = $1`, [
        'stale-otp@example.com',
        hours,
      ]);
    await age(71);
    const fresh = await login('stale-otp@example.com', created.oneTimePassword);
    expect(fresh.statusCode).toBe(200);
    await age(73);
    const stale = await login('stale-otp@example.com', created.oneTimePassword, freshIp(), 'req-stale-otp');
    const wrong = await login('stale-otp@example.com', 'not the one-time password at all', freshIp());
    expect(withoutRequestId(stale)).toEqual(withoutRequestId(wrong));
    expect(await auditOf('req-stale-otp')).toEqual([
      {
        action: 'auth.login',
        outcome: 'failure',
        reason: 'one_time_password_expired',
        target_id: expect.any(String) as string,
        actor_type: 'anonymous',
      },
    ]);
    // A password the admin chose is not a one-time password: its age does not matter.
    await t.superuser.query(`UPDATE admins SET password_changed_at = now() - interval '400 days' WHERE id = $1`, [owner.id]);
    expect((await login(owner.email, owner.password)).statusCode).toBe(200);
  });

  it('gives an admin without TOTP a setup-only session that can do nothing else [V6.3.2 V6.3.3 V6.3.4 V6.4.1]', async () => {
    const { AdminBootstrap } = await import('../../apps/api/src/admin-identity/admins/admin-bootstrap');
    const created = await t.app.get(AdminBootstrap).create('fresh-admin@example.com', 'admin');
    const response = await login('fresh-admin@example.com', created.oneTimePassword);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      status: 'setup_required',
      session: { stage: 'setup', setupRequired: ['totp_enrolment', 'password_change'] },
    });
    expect(body.session.refreshToken).toBeUndefined();
    const auth = { authorization: `Bearer ${body.session.accessToken}` };
    const sessions = await t.app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: auth });
    expect(sessions.statusCode).toBe(403);
    expect(sessions.json()).toMatchObject({ code: 'ACCOUNT_SETUP_REQUIRED' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/totp/enroll', headers: auth })).statusCode).toBe(201);
  });

  it('never lets a one-time password alone reach a full session once the admin has enrolled TOTP [V6.3.3 V6.3.4 V7.4.3 API2:2023]', async () => {
    const { AdminBootstrap } = await import('../../apps/api/src/admin-identity/admins/admin-bootstrap');
    const created = await t.app.get(AdminBootstrap).create('contested@example.com', 'owner');
    const setupOf = async (): Promise<{ authorization: string }> => {
      const response = await login('contested@example.com', created.oneTimePassword);
      return { authorization: `Bearer ${response.json().session.accessToken}` };
    };
    const attacker = await setupOf();
    const admin = await setupOf();
    const enrol = await t.app.inject({ method: 'POST', url: '/v1/auth/totp/enroll', headers: admin });
    const { generateSync, ScureBase32Plugin } = await import('otplib');
    const secret = new ScureBase32Plugin().decode(enrol.json().secret);
    const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000), period: 30, digits: 6, algorithm: 'sha1' });
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/totp/confirm', headers: admin, payload: { code } })).statusCode).toBe(200);
    // The session opened with the password alone is over; it can neither change the password nor be promoted.
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: attacker })).statusCode).toBe(401);
    const takeover = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: attacker,
      payload: { currentPassword: created.oneTimePassword, newPassword: 'the attacker would like this one' },
    });
    expect(takeover.statusCode).toBe(401);
    const finish = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: admin,
      payload: { currentPassword: created.oneTimePassword, newPassword: 'the real admin chose this passphrase' },
    });
    expect(finish.statusCode).toBe(200);
    expect(finish.json().session).toMatchObject({ stage: 'full' });
  });

  describe('second factor', () => {
    const challengeFor = async (admin: TestAdmin): Promise<string> => {
      const response = await login(admin.email, admin.password);
      expect(response.json()).toMatchObject({ status: 'second_factor_required', challengeExpiresIn: 300 });
      return response.json<{ challenge: string }>().challenge;
    };
    const mfa = (challenge: string, code: string, requestId?: string): Promise<LightMyRequestResponse> =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/mfa',
        headers: { 'x-forwarded-for': freshIp(), ...(requestId ? { 'x-request-id': requestId } : {}) },
        payload: { challenge, code },
      });

    it('refuses a TOTP code a second time (replay) [V6.5.1 V16.3.1]', async () => {
      const admin = await t.newAdmin('admin');
      const code = admin.secondFactor();
      expect((await mfa(await challengeFor(admin), code)).statusCode).toBe(200);
      const replay = await mfa(await challengeFor(admin), code, 'req-mfa-replay');
      expect(replay.statusCode).toBe(401);
      expect(await auditOf('req-mfa-replay')).toMatchObject([{ action: 'auth.mfa', outcome: 'failure', reason: 'wrong_code' }]);
    });

    it('closes the challenge after five wrong codes, even for the right one after [V6.3.1]', async () => {
      const admin = await t.newAdmin('admin');
      const challenge = await challengeFor(admin);
      for (let attempt = 0; attempt < 5; attempt += 1) expect((await mfa(challenge, '000000')).statusCode).toBe(401);
      const late = await mfa(challenge, admin.secondFactor(), 'req-mfa-closed');
      expect(late.statusCode).toBe(401);
      expect(await auditOf('req-mfa-closed')).toMatchObject([{ reason: 'unknown_or_closed_challenge' }]);
      const [row] = (await t.superuser.query('SELECT failures, closed_at FROM admin_mfa_challenges WHERE admin_id = $1', [admin.id])).rows;
      expect(row.failures).toBe(5);
      expect(row.closed_at).not.toBeNull();
    });

    it('accepts a recovery code once, and a challenge once [V6.5.1]', async () => {
      const admin = await t.newAdmin('admin');
      const recovery = admin.recoveryCodes.pop()!;
      const challenge = await challengeFor(admin);
      expect((await mfa(challenge, recovery.toLowerCase())).statusCode).toBe(200);
      expect((await mfa(challenge, admin.secondFactor())).statusCode).toBe(401);
      expect((await mfa(await challengeFor(admin), recovery)).statusCode).toBe(401);
    });

    it('limits wrong codes per admin across challenges and addresses [V6.3.1]', async () => {
      const admin = await t.newAdmin('admin');
      for (let round = 0; round < 2; round += 1) {
        const challenge = await challengeFor(admin);
        for (let attempt = 0; attempt < 5; attempt += 1) expect((await mfa(challenge, '000000')).statusCode).toBe(401);
      }
      const limited = await mfa(await challengeFor(admin), admin.secondFactor(), 'req-mfa-admin-limited');
      expect(limited.statusCode).toBe(429);
      expect(await auditOf('req-mfa-admin-limited')).toMatchObject([{ reason: 'too_many_wrong_codes', target_id: admin.id }]);
    });

    it('keeps one open challenge per admin: a new login closes the previous one', async () => {
      const admin = await t.newAdmin('admin');
      const first = await challengeFor(admin);
      const second = await challengeFor(admin);
      expect((await mfa(first, admin.secondFactor())).statusCode).toBe(401);
      expect((await mfa(second, admin.secondFactor())).statusCode).toBe(200);
    });

    it('refuses an expired challenge', async () => {
      const admin = await t.newAdmin('admin');
      const challenge = await challengeFor(admin);
      await t.superuser.query(`UPDATE admin_mfa_challenges SET expires_at = now() - interval '1 second' WHERE admin_id = $1`, [admin.id]);
      expect((await mfa(challenge, admin.secondFactor())).statusCode).toBe(401);
    });
  });

  describe('a cookie sign-in in a browser that already holds a refresh cookie', () => {
    /** Password, then the second factor with cookie delivery, sent with `cookie` as the browser's __Secure-rf_refresh. */
    const cookieSignIn = async (admin: TestAdmin, cookie?: string, requestId?: string): Promise<LightMyRequestResponse> => {
      const challenge = (await login(admin.email, admin.password)).json<{ challenge: string }>().challenge;
      return t.app.inject({
        method: 'POST',
        url: '/v1/auth/mfa',
        headers: {
          'x-forwarded-for': freshIp(),
          ...(cookie ? { cookie: `__Secure-rf_refresh=${cookie}` } : {}),
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
        payload: { challenge, code: admin.secondFactor(), refreshTokenDelivery: 'cookie' },
      });
    };
    const cookieOf = (answer: LightMyRequestResponse): string =>
      /^__Secure-rf_refresh=([^;]+);/.exec(String(answer.headers['set-cookie']))![1]!;
    const sessionOf = (answer: LightMyRequestResponse): string => answer.json<{ sessionId: string }>().sessionId;
    const revokedReasonOf = async (sessionId: string): Promise<string | null> =>
      (await t.superuser.query('SELECT revoked_reason FROM admin_sessions WHERE id = $1', [sessionId])).rows[0].revoked_reason;
    /** What an answer shows, the tokens and ids (different every time) aside. */
    const shapeOf = (answer: LightMyRequestResponse): unknown => ({
      status: answer.statusCode,
      body: Object.keys(answer.json<Record<string, unknown>>()).sort(),
      cookie: String(answer.headers['set-cookie']).replace(/^__Secure-rf_refresh=[^;]+/, '__Secure-rf_refresh=…'),
    });

    it('ends the older family of the same admin, whose cookie the new one overwrites, and audits it [V16.3.1]', async () => {
      const admin = await t.newAdmin('admin');
      const first = await cookieSignIn(admin);
      expect(first.statusCode).toBe(200);
      const second = await cookieSignIn(admin, cookieOf(first), 'req-mfa-supersedes');
      expect(second.statusCode).toBe(200);
      expect(await revokedReasonOf(sessionOf(first))).toBe('superseded_by_sign_in');
      expect(await revokedReasonOf(sessionOf(second))).toBeNull();
      const audit = await auditOf('req-mfa-supersedes');
      expect(audit).toHaveLength(2);
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: 'auth.mfa', outcome: 'success', target_id: admin.id }),
          {
            action: 'auth.session_revoke',
            outcome: 'success',
            reason: 'superseded_by_sign_in',
            target_id: sessionOf(first),
            // The admin signing in, not the anonymous caller the sign-in's unit of work runs as.
            actor_type: 'admin',
          },
        ]),
      );
      const stale = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { 'x-forwarded-for': freshIp(), cookie: `__Secure-rf_refresh=${cookieOf(first)}`, 'x-csrf-token': first.json().csrfToken },
        payload: {},
      });
      expect(stale.statusCode).toBe(401);
      // The admin's other sessions (not in this browser's cookie) are not touched.
      expect(await revokedReasonOf(admin.session.sessionId)).toBeNull();
    });

    it("ignores another admin's cookie and an unknown one: the same answer, nothing ended", async () => {
      const admin = await t.newAdmin('admin');
      const other = await t.newAdmin('admin');
      const others = await cookieSignIn(other);
      const withForeign = await cookieSignIn(admin, cookieOf(others), 'req-mfa-foreign-cookie');
      const withUnknown = await cookieSignIn(admin, 'A'.repeat(43), 'req-mfa-unknown-cookie');
      const withNone = await cookieSignIn(admin);
      expect(shapeOf(withForeign)).toEqual(shapeOf(withNone));
      expect(shapeOf(withUnknown)).toEqual(shapeOf(withNone));
      expect(withNone.statusCode).toBe(200);
      expect(await revokedReasonOf(sessionOf(others))).toBeNull();
      for (const answer of [withForeign, withUnknown, withNone]) expect(await revokedReasonOf(sessionOf(answer))).toBeNull();
      for (const requestId of ['req-mfa-foreign-cookie', 'req-mfa-unknown-cookie'])
        expect((await auditOf(requestId)).map((row: { action: string }) => row.action)).toEqual(['auth.mfa']);
    });

    it('leaves the older family alone when the new sign-in puts its refresh token in the body (no cookie is overwritten)', async () => {
      const admin = await t.newAdmin('admin');
      const first = await cookieSignIn(admin);
      const challenge = (await login(admin.email, admin.password)).json<{ challenge: string }>().challenge;
      const body = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/mfa',
        headers: { 'x-forwarded-for': freshIp(), cookie: `__Secure-rf_refresh=${cookieOf(first)}` },
        payload: { challenge, code: admin.secondFactor() },
      });
      expect(body.statusCode).toBe(200);
      expect(body.headers['set-cookie']).toBeUndefined();
      expect(await revokedReasonOf(sessionOf(first))).toBeNull();
    });
  });

  it('rehashes a password stored with older argon2 parameters at the next login [V11.4.2]', async () => {
    const admin = await t.newAdmin('auditor');
    const weak = await argon2.hash(admin.password, { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await t.superuser.query('UPDATE admins SET password_hash = $2 WHERE id = $1', [admin.id, weak]);
    expect((await login(admin.email, admin.password)).statusCode).toBe(200);
    const [{ password_hash: stored }] = (await t.superuser.query('SELECT password_hash FROM admins WHERE id = $1', [admin.id])).rows;
    const parameters = /^\$argon2id\$v=19\$([^$]+)\$/.exec(stored)?.[1]?.split(',').sort();
    expect(parameters).toEqual(['m=19456', 'p=1', 't=2']);
    expect(await argon2.verify(stored, admin.password)).toBe(true);
  });

  it('stores the TOTP secret sealed, bound to the admin [V11.3.3 V11.2.5]', async () => {
    const admin = await t.newAdmin('auditor');
    const other = await t.newAdmin('auditor');
    const [row] = (await t.superuser.query('SELECT totp_secret FROM admins WHERE id = $1', [admin.id])).rows;
    expect(row.totp_secret.includes(admin.totpSecret)).toBe(false);
    // Another admin's sealed secret copied onto this admin does not open: login with it fails.
    await t.superuser.query('UPDATE admins SET totp_secret = (SELECT totp_secret FROM admins WHERE id = $2) WHERE id = $1', [
      admin.id,
      other.id,
    ]);
    const challenge = (await login(admin.email, admin.password)).json<{ challenge: string }>().challenge;
    const response = await t.app.inject({ method: 'POST', url: '/v1/auth/mfa', payload: { challenge, code: admin.secondFactor() } });
    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.json())).not.toMatch(/decrypt|cipher/i);
  });
});
