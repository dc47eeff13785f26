import { TestAdmin } from '../support/admin-session';
import { statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

const PLANS = JSON.stringify({
  standard: { perKeyPerMinute: 3, perWorkspacePerMinute: 5 },
  roomy: { perKeyPerMinute: 100, perWorkspacePerMinute: 100 },
});

/**
 * One limited instance, counters in memory: the limits' order, headers and scopes (the
 * Redis spec shares them across instances). Admins and keys come from the factories,
 * without a request, so setting up never spends a budget.
 */
describe('request limits', () => {
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '4', RATE_LIMIT_PLANS: PLANS } });
  let admin: TestAdmin;
  let address = 0;
  /** A fresh client address behind the trusted proxy, so each test starts with an unspent L1 budget. */
  const newAddress = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  const whoAmI = (headers: Record<string, string>, from = newAddress()) =>
    t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...headers, 'x-forwarded-for': from } });

  describe('L1, per client address, before authentication', () => {
    it('answers 429 with Retry-After once the address is spent, before looking at any credential [V2.4.1 V15.2.2 API4:2023]', async () => {
      const from = newAddress();
      const bad = { authorization: 'Bearer rf_live_not-a-key' };
      const answers = [];
      for (let i = 0; i < 5; i += 1) answers.push(await whoAmI(bad, from));
      expect(answers.slice(0, 4).map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401]);
      const limited = answers[4]!;
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // A burst at a window's end slides out over the next one: at most two windows.
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
      expect(statedLimit(limited.headers).remaining).toBe(0);
    });

    it('states the address budget in the RateLimit and RateLimit-Policy headers, on refusals of authentication too', async () => {
      const from = newAddress();
      const first = await whoAmI({}, from);
      expect(first.statusCode).toBe(401);
      expect(statedLimit(first.headers).quota).toBe(4);
      expect(statedLimit(first.headers).remaining).toBe(3);
      expect(statedLimit(first.headers)).toEqual({ policy: 'ip', remaining: 3, reset: expect.any(Number), quota: 4, window: 60 });
      expect(statedLimit(first.headers).reset).toBeGreaterThanOrEqual(1);
    });

    it('counts each address on its own, and IPv6 addresses per /64 [V15.3.4]', async () => {
      for (let i = 0; i < 4; i += 1) await whoAmI({}, '2001:db8:1:2::1');
      expect((await whoAmI({}, '2001:db8:1:2::ffff')).statusCode).toBe(429);
      expect((await whoAmI({}, '2001:db8:1:3::1')).statusCode).toBe(401);
      expect((await whoAmI({}, newAddress())).statusCode).toBe(401);
    });

    it('counts what is refused before a handler (bad bodies, unknown routes), and refuses a spent address before reading its body', async () => {
      const from = newAddress();
      const post = (payload: string, url = '/v1/auth/login') =>
        t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, payload });
      expect((await post('{not json')).statusCode).toBe(400);
      expect((await post(`[${'0,'.repeat(5_000)}0]`)).statusCode).toBe(400);
      expect((await post('{}', '/v1/no-such-route')).statusCode).toBe(404);
      expect((await post('{"email":"a\\u0000b"}')).statusCode).toBe(400);
      const limited = await post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    });

    it('never limits the health probes', async () => {
      const from = newAddress();
      for (let i = 0; i < 6; i += 1) {
        const live = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-forwarded-for': from } });
        expect(live.statusCode).toBe(200);
      }
    });
  });

  describe('L2, per key and per workspace, by plan', () => {
    it('counts requests refused for a missing scope: a key over its limit gets the 429, not another refusal and audit row [V16.3.2]', async () => {
      const key = await t.newKey({ scopes: ['vault:read'], by: admin });
      const statuses = [];
      for (let i = 0; i < 5; i += 1) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/vault/secrets',
          headers: { ...key.headers, 'x-forwarded-for': newAddress() },
          payload: { name: 'n', value: 'v' },
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([403, 403, 403, 429, 429]);
      const { rows } = await t.superuser.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.authorize' AND actor_id = $1`,
        [key.id],
      );
      expect(rows).toEqual([{ n: 3 }]);
    });

    it('limits a key to its plan and states the key budget in the headers [V2.4.1 API4:2023]', async () => {
      const key = await t.newKey({ by: admin });
      const answers = [];
      for (let i = 0; i < 4; i += 1) answers.push(await whoAmI(key.headers));
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 429]);
      expect(answers.map((answer) => statedLimit(answer.headers))).toEqual(
        [2, 1, 0, 0].map((remaining) => ({ policy: 'key', remaining, reset: expect.any(Number), quota: 3, window: 60 })),
      );
      expect(statedLimit(answers[3]!.headers).reset).toBe(Number(answers[3]!.headers['retry-after']));
      expect(answers[3]!.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });

    it("charges a HEAD request once, like its GET (the gate is each route's one preHandler)", async () => {
      const key = await t.newKey({ by: admin });
      const head = await t.app.inject({
        method: 'HEAD',
        url: '/v1/workspace',
        headers: { ...key.headers, 'x-forwarded-for': newAddress() },
      });
      expect(head.statusCode).toBe(200);
      expect(statedLimit(head.headers).remaining).toBe(2);
      expect(statedLimit((await whoAmI(key.headers)).headers).remaining).toBe(1);
    });

    it('limits the workspace across its keys [V2.4.1 API4:2023]', async () => {
      const first = await t.newKey({ by: admin });
      const second = await t.newKey({ workspace: first.workspaceId, by: admin });
      const answers = [];
      for (const key of [first, first, first, second, second, second]) answers.push(await whoAmI(key.headers));
      // Three on the first key, two more fit the workspace's five, the sixth does not.
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(statedLimit(answers[5]!.headers).quota).toBe(5);
      const other = await t.newKey({ by: admin });
      expect((await whoAmI(other.headers)).statusCode).toBe(200);
    });

    it('keeps test traffic off the live quota', async () => {
      const live = await t.newKey({ by: admin });
      const liveTwo = await t.newKey({ workspace: live.workspaceId, by: admin });
      const sandbox = await t.newKey({ workspace: live.workspaceId, environment: 'test', by: admin });
      for (let i = 0; i < 3; i += 1) expect((await whoAmI(sandbox.headers)).statusCode).toBe(200);
      const liveStatuses = [];
      for (const key of [live, live, live, liveTwo, liveTwo]) liveStatuses.push((await whoAmI(key.headers)).statusCode);
      expect(liveStatuses).toEqual([200, 200, 200, 200, 200]);
    });

    it('applies a plan change from the next request', async () => {
      const key = await t.newKey({ by: admin });
      for (let i = 0; i < 3; i += 1) await whoAmI(key.headers);
      expect((await whoAmI(key.headers)).statusCode).toBe(429);
      const change = await t.app.inject({
        method: 'PATCH',
        url: `/v1/admin/workspaces/${key.workspaceId}`,
        headers: { ...admin.headers, 'x-forwarded-for': newAddress() },
        payload: { plan: 'roomy' },
      });
      expect(change.statusCode).toBe(200);
      const after = await whoAmI(key.headers);
      expect(after.statusCode).toBe(200);
      expect(statedLimit(after.headers).quota).toBe(100);
    });

    it('refuses a plan the catalogue does not hold', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: { ...admin.headers, 'x-forwarded-for': newAddress() },
        payload: { name: 'x', plan: 'platinum' },
      });
      expect(created.statusCode).toBe(400);
      expect(created.json()).toMatchObject({ code: 'UNKNOWN_PLAN' });
    });

    it('does not limit admins by plan', async () => {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) {
        statuses.push(
          (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { ...admin.headers, 'x-forwarded-for': newAddress() } }))
            .statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    });
  });
});
