import { UnitOfWork } from '@ringfence/tenancy';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { AdminSessions } from '../../apps/api/src/admin-identity/sessions/admin-sessions';
import { AccessTokens } from '../../apps/api/src/admin-identity/tokens/access-tokens';
import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/** Sessions are refresh-token families: rotate on use, reuse revokes the family, logout ends it. */
describe('admin sessions and refresh-token families', () => {
  // Many refreshes in one file: each comes from its own address (the per-IP limit has its own tests).
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  let admin: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  /** A fresh full session without spending a second factor (the login path has its own tests). */
  const openSession = async (who: TestAdmin = admin): Promise<{ sessionId: string; accessToken: string; refreshToken: string }> => {
    const tokens = await t.app
      .get(UnitOfWork)
      .run(() => t.app.get(AdminSessions).open(who.id, { stage: 'full', secondFactor: true, cookie: false }), {
        principal: { kind: 'system', process: 'test' },
      });
    return { sessionId: tokens.sessionId, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken! };
  };
  let ipCounter = 0;
  const refresh = (refreshToken: string, requestId?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: {
        'x-forwarded-for': `198.18.${(ipCounter += 1) >> 8}.${ipCounter & 255}`,
        ...(requestId ? { 'x-request-id': requestId } : {}),
      },
      payload: { refreshToken },
    });
  const me = (accessToken: string) =>
    t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
  const logout = (accessToken: string) =>
    t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { authorization: `Bearer ${accessToken}` } });

  /** A fresh full session as the console gets it: the refresh token for the cookie, and its CSRF token. */
  const openCookieSession = async (
    who: TestAdmin = admin,
  ): Promise<{ sessionId: string; accessToken: string; refreshToken: string; csrfToken: string }> => {
    const tokens = await t.app
      .get(UnitOfWork)
      .run(() => t.app.get(AdminSessions).open(who.id, { stage: 'full', secondFactor: true, cookie: true }), {
        principal: { kind: 'system', process: 'test' },
      });
    return {
      sessionId: tokens.sessionId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken!,
      csrfToken: tokens.csrfToken!,
    };
  };
  /** POST /v1/auth/refresh as the console sends it: the cookie, the CSRF header (when given), an empty body. */
  const cookieRefresh = (cookie: string, csrfToken: string | undefined, requestId?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: {
        'x-forwarded-for': `198.18.${(ipCounter += 1) >> 8}.${ipCounter & 255}`,
        cookie: `__Secure-rf_refresh=${cookie}`,
        ...(csrfToken !== undefined ? { 'x-csrf-token': csrfToken } : {}),
        ...(requestId ? { 'x-request-id': requestId } : {}),
      },
      payload: {},
    });
  /** The refresh token an answer set in `__Secure-rf_refresh`. */
  const cookieSet = (answer: LightMyRequestResponse): string => {
    const value = /^__Secure-rf_refresh=([A-Za-z0-9_-]{43});/.exec(String(answer.headers['set-cookie'] ?? ''))?.[1];
    if (!value) throw new Error(`no refresh cookie set: ${String(answer.headers['set-cookie'])}`);
    return value;
  };
  /** An access token of `sessionId` that expired a minute ago (minted eleven minutes back). */
  const expiredAccessToken = (who: TestAdmin, sessionId: string): string => {
    const realNow = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(realNow - 11 * 60_000);
    try {
      return t.app.get(AccessTokens).issue({ adminId: who.id, sessionId }).token;
    } finally {
      clock.mockRestore();
    }
  };
  const uniform = (answer: LightMyRequestResponse): unknown => {
    const { requestId: _requestId, ...rest } = answer.json<Record<string, unknown>>();
    return { status: answer.statusCode, body: rest };
  };
  const revokedReasonOf = async (sessionId: string): Promise<string | null> =>
    (await t.superuser.query('SELECT revoked_reason FROM admin_sessions WHERE id = $1', [sessionId])).rows[0].revoked_reason;
  const auditOf = async (requestId: string) =>
    (
      await t.superuser.query(
        'SELECT action, outcome, reason, actor_type, actor_id, target_id FROM audit_log WHERE client_request_id = $1 ORDER BY id',
        [requestId],
      )
    ).rows;
  const liveTokensOf = async (sessionId: string): Promise<number> =>
    (
      await t.superuser.query(
        `SELECT count(*)::int AS live FROM admin_refresh_tokens t JOIN admin_sessions s ON s.id = t.session_id
          WHERE t.session_id = $1 AND t.used_at IS NULL AND s.revoked_at IS NULL`,
        [sessionId],
      )
    ).rows[0].live;

  it('rotates on every use into a new pair that works [V7.2.2]', async () => {
    const session = await openSession();
    const first = await refresh(session.refreshToken);
    expect(first.statusCode).toBe(200);
    const next = first.json<{ refreshToken: string; accessToken: string; sessionId: string }>();
    expect(next.sessionId).toBe(session.sessionId);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect((await me(next.accessToken)).statusCode).toBe(200);
  });

  it('revokes the whole family when a spent token comes back, and records the event [V7.4.1]', async () => {
    const session = await openSession();
    const child = (await refresh(session.refreshToken)).json<{ refreshToken: string; accessToken: string }>();
    const reuse = await refresh(session.refreshToken, 'req-refresh-reuse');
    expect(reuse.statusCode).toBe(401);
    expect((await refresh(child.refreshToken)).statusCode).toBe(401);
    expect((await me(child.accessToken)).statusCode).toBe(401);
    expect((await me(session.accessToken)).statusCode).toBe(401);
    const { rows } = await t.superuser.query('SELECT action, outcome, reason, target_id FROM audit_log WHERE client_request_id = $1', [
      'req-refresh-reuse',
    ]);
    expect(rows).toEqual([{ action: 'auth.refresh_reuse', outcome: 'denied', reason: 'family_revoked', target_id: session.sessionId }]);
    const [family] = (await t.superuser.query('SELECT revoked_reason FROM admin_sessions WHERE id = $1', [session.sessionId])).rows;
    expect(family.revoked_reason).toBe('refresh_token_reuse');
  });

  it('lets at most one of two concurrent refreshes of one token produce a live child', async () => {
    for (let round = 0; round < 5; round += 1) {
      const session = await openSession();
      const answers = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
      const children = answers.filter((answer) => answer.statusCode === 200).map((answer) => answer.json<{ refreshToken: string }>());
      expect(children.length).toBeLessThanOrEqual(1);
      const { rows } = await t.superuser.query(
        `SELECT count(*)::int AS live FROM admin_refresh_tokens t JOIN admin_sessions s ON s.id = t.session_id
          WHERE t.session_id = $1 AND t.used_at IS NULL AND s.revoked_at IS NULL`,
        [session.sessionId],
      );
      expect(rows[0].live).toBeLessThanOrEqual(1);
      const usable = await Promise.all(children.map(async (child) => (await refresh(child.refreshToken)).statusCode === 200));
      expect(usable.filter(Boolean).length).toBeLessThanOrEqual(1);
    }
  });

  it('limits refresh attempts per client address', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 61; attempt += 1) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { 'x-forwarded-for': '198.19.0.1' },
        payload: { refreshToken: 'A'.repeat(42) + String(attempt % 10) },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 60).every((status) => status === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
    // Only refusals spend it, but a blocked address is refused before the database (session
    // pentest F4): while the block lasts (a minute), a good body token from it is refused too,
    // unspent. The console's cookie with its CSRF header still gets through (below).
    const session = await openSession();
    const good = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { 'x-forwarded-for': '198.19.0.1' },
      payload: { refreshToken: session.refreshToken },
    });
    expect(good.statusCode).toBe(429);
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { 'x-forwarded-for': '198.19.0.2' },
      payload: { refreshToken: session.refreshToken },
    });
    expect(elsewhere.statusCode).toBe(200);
    const consoleSession = await openCookieSession();
    const fromConsole = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: {
        'x-forwarded-for': '198.19.0.1',
        cookie: `__Secure-rf_refresh=${consoleSession.refreshToken}`,
        'x-csrf-token': consoleSession.csrfToken,
      },
      payload: {},
    });
    expect(fromConsole.statusCode).toBe(200);
  });

  it('spends nothing of the address budget on refreshes that succeed', async () => {
    let token = (await openSession()).refreshToken;
    for (let attempt = 0; attempt < 65; attempt += 1) {
      // A session rotates at most 10 times a minute (its own budget, session pentest F3): a new one every 8.
      if (attempt > 0 && attempt % 8 === 0) token = (await openSession()).refreshToken;
      const answer = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { 'x-forwarded-for': '198.19.0.2' },
        payload: { refreshToken: token },
      });
      expect(answer.statusCode).toBe(200);
      token = answer.json<{ refreshToken: string }>().refreshToken;
    }
  });

  it('ends a family at its absolute lifetime, whatever refreshes happened [V7.3.2]', async () => {
    const session = await openSession();
    const expiresAt = async () =>
      (
        await t.superuser.query<{ expires_at: Date }>(`SELECT expires_at FROM admin_sessions WHERE id = $1`, [session.sessionId])
      ).rows[0]!.expires_at.getTime();
    const lifetime = await expiresAt();
    const first = (await refresh(session.refreshToken)).json<{ refreshToken: string; accessToken: string }>();
    const child = (await refresh(first.refreshToken)).json<{ refreshToken: string; accessToken: string }>();
    // Refreshing never moves the session's end.
    expect(await expiresAt()).toBe(lifetime);
    await t.superuser.query(`UPDATE admin_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [session.sessionId]);
    expect((await refresh(child.refreshToken)).statusCode).toBe(401);
    expect((await me(child.accessToken)).statusCode).toBe(401);
  });

  it('logout ends the family: its access tokens stop at once, its refresh token is refused [V7.4.1]', async () => {
    const session = await openSession();
    expect((await logout(session.accessToken)).statusCode).toBe(204);
    expect((await me(session.accessToken)).statusCode).toBe(401);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });

  it('a password change ends every other session and keeps this one [V6.2.3 V7.4.3]', async () => {
    const who = await t.newAdmin('auditor');
    const other = await openSession(who);
    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: who.headers,
      payload: { currentPassword: who.password, newPassword: 'a brand new passphrase for the test' },
    });
    expect(change.statusCode).toBe(200);
    expect((await me(other.accessToken)).statusCode).toBe(401);
    expect((await refresh(other.refreshToken)).statusCode).toBe(401);
    expect((await me(who.session.accessToken)).statusCode).toBe(200);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: who.headers,
      payload: { currentPassword: 'not the current one', newPassword: 'another brand new passphrase' },
    });
    expect(wrong.statusCode).toBe(403);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: who.headers,
      payload: { currentPassword: 'a brand new passphrase for the test', newPassword: 'password1234' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'newPassword' }] });
  });

  it('lists own sessions and revokes one; another admin’s session is a 404 [V7.4.1]', async () => {
    const extra = await openSession();
    const list = await t.app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: admin.headers });
    expect(list.statusCode).toBe(200);
    const sessions = list.json<{ items: { id: string; current: boolean }[] }>().items;
    expect(sessions.find((session) => session.id === admin.session.sessionId)?.current).toBe(true);
    expect(sessions.find((session) => session.id === extra.sessionId)?.current).toBe(false);
    expect(JSON.stringify(sessions)).not.toMatch(/token|hash/i);

    const stranger = await t.newAdmin('auditor');
    const foreign = await t.app.inject({
      method: 'DELETE',
      url: `/v1/auth/sessions/${stranger.session.sessionId}`,
      headers: admin.headers,
    });
    expect(foreign.statusCode).toBe(404);
    expect((await me(stranger.session.accessToken)).statusCode).toBe(200);

    const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${extra.sessionId}`, headers: admin.headers });
    expect(revoked.statusCode).toBe(204);
    expect((await me(extra.accessToken)).statusCode).toBe(401);
    expect((await refresh(extra.refreshToken)).statusCode).toBe(401);
  });

  describe('in the browser: HttpOnly cookie and CSRF header', () => {
    it('sets the refresh token as a strict cookie on /v1/auth only, never in the body [V3.3.1 V3.3.2 V3.3.4 V3.5.1]', async () => {
      const signedIn = await admin.signIn({ cookie: true });
      expect(signedIn.refreshToken).toBeUndefined();
      expect(signedIn.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = signedIn.setCookie!;
      expect(cookie).toMatch(/^__Secure-rf_refresh=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/; Path=\/v1\/auth/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      // A session cookie: closing the browser drops it; the session's lifetime on the server bounds it.
      expect(cookie).not.toMatch(/Max-Age|Expires/i);
      const value = cookie.split(';')[0]!;

      const forged = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie: value }, payload: {} });
      expect(forged.statusCode).toBe(401);
      const wrongHeader = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { cookie: value, 'x-csrf-token': 'A'.repeat(43) },
        payload: {},
      });
      expect(wrongHeader.statusCode).toBe(401);
      // The forged attempts did not spend the token: the real page still refreshes.
      const real = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { cookie: value, 'x-csrf-token': signedIn.csrfToken! },
        payload: {},
      });
      expect(real.statusCode).toBe(200);
      expect(real.json().refreshToken).toBeUndefined();
      expect(real.headers['set-cookie']).toMatch(/^__Secure-rf_refresh=[A-Za-z0-9_-]{43};/);
      expect(real.headers['set-cookie']).not.toMatch(/Max-Age|Expires/i);
    });

    it('keeps the session cookie bounded by the session: past its lifetime the cookie is refused and cleared [V7.3.2]', async () => {
      const session = await openCookieSession();
      await t.superuser.query(`UPDATE admin_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [session.sessionId]);
      const late = await cookieRefresh(session.refreshToken, session.csrfToken);
      expect(late.statusCode).toBe(401);
      expect(late.headers['set-cookie']).toMatch(/^__Secure-rf_refresh=; Max-Age=0; Path=\/v1\/auth; HttpOnly; Secure; SameSite=Strict$/);
    });

    it('refuses a cookie-delivered refresh token presented in a JSON body, with the uniform 401, and leaves it unspent', async () => {
      const session = await openCookieSession();
      const unknown = await refresh('A'.repeat(43));
      const lifted = await refresh(session.refreshToken, 'req-refresh-lifted-cookie');
      expect(lifted.statusCode).toBe(401);
      expect(uniform(lifted)).toEqual(uniform(unknown));
      expect(lifted.headers['set-cookie']).toBeUndefined();
      // Neither spent nor taken for reuse: the family is untouched, and the page's own refresh works.
      // The refusal is audited, as the anonymous caller it is, naming the session.
      expect(await auditOf('req-refresh-lifted-cookie')).toEqual([
        {
          action: 'auth.refresh',
          outcome: 'failure',
          reason: 'cookie_token_in_body',
          actor_type: 'anonymous',
          actor_id: null,
          target_id: session.sessionId,
        },
      ]);
      expect(await revokedReasonOf(session.sessionId)).toBeNull();
      expect(await liveTokensOf(session.sessionId)).toBe(1);
      const real = await cookieRefresh(session.refreshToken, session.csrfToken);
      expect(real.statusCode).toBe(200);
    });
  });

  describe('several __Secure-rf_refresh cookies (cookie tossing) and the rotation budgets', () => {
    it('uses the cookie the CSRF header proves, and refuses an ambiguous pair without clearing anything (audited)', async () => {
      const mine = await openCookieSession();
      const other = await openCookieSession();
      // The proven one is used, wherever it sits in the header.
      const proven = await cookieRefresh(`${'T'.repeat(43)}; __Secure-rf_refresh=${mine.refreshToken}`, mine.csrfToken);
      expect(proven.statusCode).toBe(200);
      const next = cookieSet(proven);
      // Two real cookies, neither proven by the header: refused, nothing cleared, nothing spent.
      const ambiguous = await cookieRefresh(`${other.refreshToken}; __Secure-rf_refresh=${next}`, 'W'.repeat(43), 'req-refresh-ambiguous');
      expect(ambiguous.statusCode).toBe(401);
      expect(ambiguous.headers['set-cookie']).toBeUndefined();
      expect(await auditOf('req-refresh-ambiguous')).toEqual([
        expect.objectContaining({ action: 'auth.refresh', outcome: 'failure', reason: 'ambiguous_cookie', target_id: null }),
      ]);
      expect((await cookieRefresh(next, mine.csrfToken)).statusCode).toBe(200);
      expect((await cookieRefresh(other.refreshToken, other.csrfToken)).statusCode).toBe(200);
    });

    it('caps one session at 10 rotations a minute (429, audited once), yet a spent token replayed then still revokes the family', async () => {
      const session = await openSession();
      const tokens = [session.refreshToken];
      for (let rotation = 0; rotation < 10; rotation += 1) {
        const answer = await refresh(tokens.at(-1)!);
        expect(answer.statusCode).toBe(200);
        tokens.push(answer.json<{ refreshToken: string }>().refreshToken);
      }
      const limited = await refresh(tokens.at(-1)!, 'req-rotation-limited');
      expect(limited.statusCode).toBe(429);
      expect(await auditOf('req-rotation-limited')).toEqual([
        expect.objectContaining({ action: 'auth.refresh', outcome: 'denied', reason: 'rotation_limited', target_id: session.sessionId }),
      ]);
      expect((await refresh(tokens[3]!, 'req-rotation-limited-reuse')).statusCode).toBe(401);
      expect(await revokedReasonOf(session.sessionId)).toBe('refresh_token_reuse');
    });
  });

  describe('logout from the console: the refresh cookie and its CSRF token prove the session', () => {
    const logoutWith = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers });
    const CLEARED = /^__Secure-rf_refresh=; Max-Age=0; Path=\/v1\/auth; HttpOnly; Secure; SameSite=Strict$/;

    it('ends the session when the access token has expired, clears the cookie, and audits the logout as the admin [V7.4.1]', async () => {
      const session = await openCookieSession();
      const expired = expiredAccessToken(admin, session.sessionId);
      expect((await me(expired)).statusCode).toBe(401);
      const answer = await logoutWith({
        authorization: `Bearer ${expired}`,
        cookie: `__Secure-rf_refresh=${session.refreshToken}`,
        'x-csrf-token': session.csrfToken,
        'x-request-id': 'req-logout-by-cookie',
      });
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['set-cookie']).toMatch(CLEARED);
      expect(await revokedReasonOf(session.sessionId)).toBe('logout');
      expect((await me(session.accessToken)).statusCode).toBe(401);
      expect((await cookieRefresh(session.refreshToken, session.csrfToken)).statusCode).toBe(401);
      expect(await auditOf('req-logout-by-cookie')).toEqual([
        { action: 'auth.logout', outcome: 'success', reason: null, actor_type: 'admin', actor_id: admin.id, target_id: session.sessionId },
      ]);
    });

    it('needs no bearer, and takes a cookie whose token a lost refresh answer already spent (no reuse alarm)', async () => {
      const session = await openCookieSession();
      expect((await cookieRefresh(session.refreshToken, session.csrfToken)).statusCode).toBe(200);
      const answer = await logoutWith({
        cookie: `__Secure-rf_refresh=${session.refreshToken}`,
        'x-csrf-token': session.csrfToken,
        'x-request-id': 'req-logout-spent-cookie',
      });
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['set-cookie']).toMatch(CLEARED);
      expect(await revokedReasonOf(session.sessionId)).toBe('logout');
      expect((await auditOf('req-logout-spent-cookie')).map((row: { action: string }) => row.action)).toEqual(['auth.logout']);
    });

    it('refuses with the uniform 401 when nothing proves a session, keeps the cookie (nothing proved it), and ends nothing', async () => {
      const session = await openCookieSession();
      const other = await openCookieSession();
      const expired = expiredAccessToken(admin, session.sessionId);
      const cookie = `__Secure-rf_refresh=${session.refreshToken}`;
      const unknown = uniform(await refresh('A'.repeat(43)));
      const attempts: Record<string, string>[] = [
        {},
        { cookie },
        { cookie, 'x-csrf-token': '' },
        { cookie, 'x-csrf-token': 'A'.repeat(43) },
        { cookie, 'x-csrf-token': other.csrfToken },
        { cookie: `__Secure-rf_refresh=${'A'.repeat(43)}`, 'x-csrf-token': session.csrfToken },
        { cookie: '__Secure-rf_refresh=not-a-token', 'x-csrf-token': session.csrfToken },
        { 'x-csrf-token': session.csrfToken },
        { authorization: `Bearer ${expired}` },
        { authorization: `Bearer ${expired}`, cookie },
        { authorization: 'Bearer not.a.jwt', cookie, 'x-csrf-token': other.csrfToken },
      ];
      for (const headers of attempts) {
        const answer = await logoutWith(headers);
        expect({ headers, answer: uniform(answer) }).toEqual({ headers, answer: unknown });
        // A same-site page's bare POST must not sign a live console out (session pentest F5).
        expect({ headers, cookie: answer.headers['set-cookie'] }).toEqual({ headers, cookie: undefined });
      }
      expect(await revokedReasonOf(session.sessionId)).toBeNull();
      expect(await revokedReasonOf(other.sessionId)).toBeNull();
      expect((await cookieRefresh(session.refreshToken, session.csrfToken)).statusCode).toBe(200);
    });

    it('keeps the bearer logout as it was, and ends the family of a cookie of the same admin', async () => {
      const stranger = await t.newAdmin('auditor');
      const bodySession = await openSession();
      const mineInCookie = await openCookieSession();
      const strangers = await openCookieSession(stranger);
      // Another admin's cookie beside a bearer: the bearer's session ends, the cookie (no CSRF header proves it) is kept, its family left alone.
      const first = await logoutWith({
        authorization: `Bearer ${bodySession.accessToken}`,
        cookie: `__Secure-rf_refresh=${strangers.refreshToken}`,
      });
      expect(first.statusCode).toBe(204);
      expect(first.headers['set-cookie']).toBeUndefined();
      expect(await revokedReasonOf(bodySession.sessionId)).toBe('logout');
      expect(await revokedReasonOf(strangers.sessionId)).toBeNull();
      // The same admin's cookie (another session of theirs, no CSRF token needed): cleared here, so ended too.
      const second = await openSession();
      const answer = await logoutWith({
        authorization: `Bearer ${second.accessToken}`,
        cookie: `__Secure-rf_refresh=${mineInCookie.refreshToken}`,
      });
      expect(answer.statusCode).toBe(204);
      expect(await revokedReasonOf(second.sessionId)).toBe('logout');
      expect(await revokedReasonOf(mineInCookie.sessionId)).toBe('logout');
    });
  });

  describe('a reload that lost the refresh answer: a short reuse grace on the cookie path', () => {
    it('issues again for the same family when the spent cookie token returns within the grace with its CSRF token', async () => {
      const session = await openCookieSession();
      const first = await cookieRefresh(session.refreshToken, session.csrfToken);
      expect(first.statusCode).toBe(200);
      const lost = cookieSet(first);
      // The answer never reached the page; the next load presents the spent token again.
      const again = await cookieRefresh(session.refreshToken, session.csrfToken, 'req-refresh-grace');
      expect(again.statusCode).toBe(200);
      const kept = cookieSet(again);
      expect(kept).not.toBe(lost);
      expect(again.json()).toMatchObject({ sessionId: session.sessionId, stage: 'full' });
      expect(again.json()).not.toHaveProperty('refreshToken');
      expect((await me(again.json<{ accessToken: string }>().accessToken)).statusCode).toBe(200);
      expect(await revokedReasonOf(session.sessionId)).toBeNull();
      expect(await auditOf('req-refresh-grace')).toEqual([
        {
          action: 'auth.refresh',
          outcome: 'success',
          reason: 'reissued_within_grace',
          actor_type: 'admin',
          actor_id: admin.id,
          target_id: session.sessionId,
        },
      ]);
      expect(await liveTokensOf(session.sessionId)).toBe(1);
      // A further reload within the grace, its answer lost too, is still no theft.
      const third = await cookieRefresh(session.refreshToken, session.csrfToken);
      expect(third.statusCode).toBe(200);
      const latest = cookieSet(third);
      expect(await liveTokensOf(session.sessionId)).toBe(1);
      // The successors the lost answers carried were spent unused: presenting one is reuse, which ends the family.
      const replayed = await cookieRefresh(lost, session.csrfToken, 'req-refresh-voided-successor');
      expect(replayed.statusCode).toBe(401);
      expect((await auditOf('req-refresh-voided-successor')).map((row: { action: string }) => row.action)).toEqual(['auth.refresh_reuse']);
      expect(await revokedReasonOf(session.sessionId)).toBe('refresh_token_reuse');
      expect((await cookieRefresh(latest, session.csrfToken)).statusCode).toBe(401);
      expect(kept).not.toBe(latest);
    });

    it('still revokes the family past the grace, once the successor was used, or in a body', async () => {
      // Past the grace.
      const late = await openCookieSession();
      expect((await cookieRefresh(late.refreshToken, late.csrfToken)).statusCode).toBe(200);
      await t.superuser.query(
        `UPDATE admin_refresh_tokens SET used_at = used_at - interval '16 seconds' WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
        [late.refreshToken],
      );
      const lateReuse = await cookieRefresh(late.refreshToken, late.csrfToken, 'req-refresh-grace-over');
      expect(lateReuse.statusCode).toBe(401);
      expect(await auditOf('req-refresh-grace-over')).toMatchObject([{ action: 'auth.refresh_reuse', reason: 'family_revoked' }]);
      expect(await revokedReasonOf(late.sessionId)).toBe('refresh_token_reuse');

      // The successor reached the page and was used: the old token coming back is a copy.
      const used = await openCookieSession();
      const child = cookieSet(await cookieRefresh(used.refreshToken, used.csrfToken));
      expect((await cookieRefresh(child, used.csrfToken)).statusCode).toBe(200);
      expect((await cookieRefresh(used.refreshToken, used.csrfToken)).statusCode).toBe(401);
      expect(await revokedReasonOf(used.sessionId)).toBe('refresh_token_reuse');

      // A body client (no CSRF token, no cookie) has no grace.
      const body = await openSession();
      expect((await refresh(body.refreshToken)).statusCode).toBe(200);
      expect((await refresh(body.refreshToken)).statusCode).toBe(401);
      expect(await revokedReasonOf(body.sessionId)).toBe('refresh_token_reuse');

      // Without the CSRF token the spent cookie is refused before anything (neither reissued nor revoking).
      const forged = await openCookieSession();
      expect((await cookieRefresh(forged.refreshToken, forged.csrfToken)).statusCode).toBe(200);
      expect((await cookieRefresh(forged.refreshToken, undefined)).statusCode).toBe(401);
      expect(await revokedReasonOf(forged.sessionId)).toBeNull();
      expect(await liveTokensOf(forged.sessionId)).toBe(1);
    });

    it('keeps at most one live token when refreshes of one cookie token race, reissues included', async () => {
      for (let round = 0; round < 5; round += 1) {
        const session = await openCookieSession();
        // Two first uses at once.
        await Promise.all([cookieRefresh(session.refreshToken, session.csrfToken), cookieRefresh(session.refreshToken, session.csrfToken)]);
        expect(await liveTokensOf(session.sessionId)).toBeLessThanOrEqual(1);
        // Two reissues at once, and a reissue against the successor's own use.
        const again = await openCookieSession();
        const child = cookieSet(await cookieRefresh(again.refreshToken, again.csrfToken));
        const answers = await Promise.all([
          cookieRefresh(again.refreshToken, again.csrfToken),
          cookieRefresh(again.refreshToken, again.csrfToken),
          cookieRefresh(child, again.csrfToken),
        ]);
        expect(await liveTokensOf(again.sessionId)).toBeLessThanOrEqual(1);
        const issued = answers.filter((answer) => answer.statusCode === 200).map(cookieSet);
        const usable = [];
        for (const token of issued) usable.push((await cookieRefresh(token, again.csrfToken)).statusCode === 200);
        expect(usable.filter(Boolean).length).toBeLessThanOrEqual(1);
      }
    });
  });

  it('follows the model of a family under any sequence of refreshes, reuses, checks and logout (fast-check) [V7.4.1]', async () => {
    interface Model {
      latest: number;
      issued: number;
      ended: boolean;
    }
    interface Real {
      refreshTokens: string[];
      accessTokens: string[];
    }
    class RefreshLatest implements fc.AsyncCommand<Model, Real> {
      check = (): boolean => true;
      async run(model: Model, real: Real): Promise<void> {
        const answer = await refresh(real.refreshTokens[model.latest]!);
        expect(answer.statusCode).toBe(model.ended ? 401 : 200);
        if (model.ended) return;
        const pair = answer.json<{ refreshToken: string; accessToken: string }>();
        real.refreshTokens.push(pair.refreshToken);
        real.accessTokens.push(pair.accessToken);
        model.issued += 1;
        model.latest = model.issued - 1;
      }
      toString = (): string => 'refresh(latest)';
    }
    class ReuseSpent implements fc.AsyncCommand<Model, Real> {
      constructor(readonly pick: number) {}
      check = (model: Model): boolean => model.issued > 1;
      async run(model: Model, real: Real): Promise<void> {
        const spent = this.pick % (model.issued - 1);
        expect((await refresh(real.refreshTokens[spent]!)).statusCode).toBe(401);
        model.ended = true;
      }
      toString = (): string => `reuse(${this.pick})`;
    }
    class CheckAccess implements fc.AsyncCommand<Model, Real> {
      check = (): boolean => true;
      async run(model: Model, real: Real): Promise<void> {
        expect((await me(real.accessTokens[model.latest]!)).statusCode).toBe(model.ended ? 401 : 200);
      }
      toString = (): string => 'me(latest)';
    }
    class Logout implements fc.AsyncCommand<Model, Real> {
      check = (model: Model): boolean => !model.ended;
      async run(model: Model, real: Real): Promise<void> {
        expect((await logout(real.accessTokens[model.latest]!)).statusCode).toBe(204);
        model.ended = true;
      }
      toString = (): string => 'logout';
    }
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [
            fc.constant(new RefreshLatest()),
            fc.nat(20).map((n) => new ReuseSpent(n)),
            fc.constant(new CheckAccess()),
            fc.constant(new Logout()),
          ],
          {
            maxCommands: 8,
          },
        ),
        async (commands) => {
          const session = await openSession();
          await fc.asyncModelRun(
            () => ({
              model: { latest: 0, issued: 1, ended: false },
              real: { refreshTokens: [session.refreshToken], accessTokens: [session.accessToken] },
            }),
            commands,
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
