import type { LightMyRequestResponse } from 'fastify';
import type { Client } from 'pg';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { createTestApp } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';
import { useTestApp } from '../support/use-test-app';

/** Neither a 500 nor a 2xx: a refusal (4xx) or the database's 503. */
function expectRefusedOrUnavailable(response: LightMyRequestResponse): void {
  expect(response.statusCode).not.toBe(500);
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode < 500 || response.statusCode === 503).toBe(true);
  expect(response.body).not.toMatch(/at .+\.(ts|js):\d+|node_modules|stack|SELECT|UPDATE|workspaces_/i);
}

/**
 * The admin routes the change added or reshaped, tried as an attacker and as a fault would:
 * GET /v1/admin/jobs, PATCH /v1/admin/workspaces/:id, and the API-key fast path. Every
 * hostile or faulty request answers a 4xx or a 503, and a cached key is refused as soon
 * as its workspace is suspended or it is revoked.
 */
describe('admin routes under attack and fault', () => {
  // Caches on, as in production: a cached key or session must not outlive a refusal.
  const t = useTestApp({ env: { DATABASE_LOCK_TIMEOUT_MS: '100', API_KEY_CACHE_MS: '4000', ADMIN_SESSION_CACHE_MS: '5000' } });
  let owner: TestAdmin;
  let auditor: TestAdmin;
  let key: TestKey;
  let locker: Client;

  beforeAll(async () => {
    owner = await t.newAdmin('owner');
    auditor = await t.newAdmin('auditor');
    key = await t.newKey({ scopes: ['keys:manage', 'vault:read', 'audit:read'], by: owner });
    locker = await t.db.connect(t.db.adminUrl);
  });

  describe('GET /v1/admin/jobs', () => {
    it('answers an owner 200 and refuses no credentials, an API key and an auditor', async () => {
      expect((await t.inject({ method: 'GET', url: '/v1/admin/jobs', headers: owner.headers })).statusCode).toBe(200);
      expect((await t.inject({ method: 'GET', url: '/v1/admin/jobs' })).statusCode).toBe(401);
      const byKey = await t.inject({ method: 'GET', url: '/v1/admin/jobs', headers: key.headers });
      expect([401, 403]).toContain(byKey.statusCode);
      const testKey = await t.newKey({ scopes: ['keys:manage', 'audit:read'], environment: 'test', by: owner });
      expect([401, 403]).toContain((await t.inject({ method: 'GET', url: '/v1/admin/jobs', headers: testKey.headers })).statusCode);
      expect((await t.inject({ method: 'GET', url: '/v1/admin/jobs', headers: auditor.headers })).statusCode).toBe(403);
    });

    it.each([
      ['NUL', '?a=%00'],
      ['invalid UTF-8', '?a=%C3%28%FF'],
      ['a lone surrogate', '?a=%ED%A0%80'],
      ['a huge query', `?a=${'x'.repeat(60_000)}`],
      ['many parameters', `?${Array.from({ length: 5000 }, (_, i) => `k${i}=1`).join('&')}`],
    ])('answers a hostile query (%s) without a 500', async (_name, query) => {
      for (const headers of [owner.headers, key.headers, {}]) {
        const response = await t.inject({ method: 'GET', url: `/v1/admin/jobs${query}`, headers });
        expect(response.statusCode).not.toBe(500);
        expect(response.statusCode < 500 || response.statusCode === 503).toBe(true);
      }
    });

    it('answers while the admin tables are locked with 200 or 503, never a 500', async () => {
      await locker.query('BEGIN');
      try {
        await locker.query('LOCK TABLE admins, admin_sessions IN ACCESS EXCLUSIVE MODE');
        const response = await t.inject({ method: 'GET', url: '/v1/admin/jobs', headers: owner.headers });
        expect([200, 503]).toContain(response.statusCode);
      } finally {
        await locker.query('ROLLBACK');
      }
    });
  });

  describe('PATCH /v1/admin/workspaces/:id', () => {
    const patch = (id: string, payload: string | Buffer | object, headers: Record<string, string> = owner.headers) =>
      t.inject({
        method: 'PATCH',
        url: `/v1/admin/workspaces/${id}`,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
      });

    it.each([
      ['a non-UUID id', 'not-a-uuid', { name: 'x' }],
      ['a NUL in the id', 'a%00b', { name: 'x' }],
      ['invalid UTF-8 in the id', '%C3%28', { name: 'x' }],
      ['an unknown UUID', '00000000-0000-4000-8000-000000000000', { name: 'x' }],
    ])('refuses %s with a 4xx', async (_name, id, body) => {
      const response = await patch(id, body);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    });

    it.each([
      ['a NUL in the name', { name: 'a\u0000b' }],
      ['a lone surrogate', '{"name":"\\ud800"}'],
      ['invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
      ['a deep body', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
      ['a wide body', `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":1`).join(',')}}`],
      ['allowedOrigins of 10,000 items', { allowedOrigins: Array.from({ length: 10_000 }, (_, i) => `https://a${i}.example.com`) }],
      ['a name of a wrong type', { name: { $gt: '' } }],
    ])('refuses %s with a 4xx', async (_name, body) => {
      const workspace = await t.newWorkspace();
      const response = await patch(workspace.id, body);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    });

    it('refuses an API key, even on its own workspace, and an auditor', async () => {
      expectRefusedOrUnavailable(await patch(key.workspaceId, { name: 'by a key' }, key.headers));
      const other = await t.newWorkspace();
      expectRefusedOrUnavailable(await patch(other.id, { name: 'by a key' }, key.headers));
      expect((await patch(other.id, { name: 'by an auditor' }, auditor.headers)).statusCode).toBe(403);
    });

    it('answers 503 while the workspaces table is locked, and the next update (same named statement) succeeds', async () => {
      const workspace = await t.newWorkspace();
      expect((await patch(workspace.id, { name: 'before' })).statusCode).toBe(200);
      for (let round = 0; round < 3; round += 1) {
        await locker.query('BEGIN');
        try {
          await locker.query('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE');
          const locked = await patch(workspace.id, { name: `locked ${round}` });
          expect([locked.statusCode, locked.json<{ code?: string }>().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
        } finally {
          await locker.query('ROLLBACK');
        }
      }
      for (let round = 0; round < 5; round += 1) {
        const after = await patch(workspace.id, { name: `after ${round}` });
        expect(after.statusCode).toBe(200);
        expect(after.json()).toMatchObject({ name: `after ${round}` });
      }
    });
  });

  describe('a cached API key', () => {
    it('is refused at once when its workspace is suspended', async () => {
      const mine = await t.newKey({ scopes: ['vault:read'], by: owner });
      for (let i = 0; i < 3; i += 1)
        expect((await t.inject({ method: 'GET', url: '/v1/workspace', headers: mine.headers })).statusCode).toBe(200);
      const suspended = await t.inject({ method: 'POST', url: `/v1/admin/workspaces/${mine.workspaceId}/suspend`, headers: owner.headers });
      expect(suspended.statusCode).toBeLessThan(300);
      const refused = await t.inject({ method: 'GET', url: '/v1/workspace', headers: mine.headers });
      expect([401, 403]).toContain(refused.statusCode);
    });

    it('is refused at once when it is revoked', async () => {
      const mine = await t.newKey({ scopes: ['vault:read'], by: owner });
      for (let i = 0; i < 3; i += 1)
        expect((await t.inject({ method: 'GET', url: '/v1/workspace', headers: mine.headers })).statusCode).toBe(200);
      const revoked = await t.inject({
        method: 'DELETE',
        url: `/v1/admin/workspaces/${mine.workspaceId}/api-keys/${mine.id}`,
        headers: owner.headers,
      });
      expect(revoked.statusCode).toBeLessThan(300);
      const refused = await t.inject({ method: 'GET', url: '/v1/workspace', headers: mine.headers });
      expect(refused.statusCode).toBe(401);
    });
    it('is refused at once when it is rotated with no grace period (the old key) and when its workspace is deleted', async () => {
      const rotated = await t.newKey({ scopes: ['vault:read'], by: owner });
      expect((await t.inject({ method: 'GET', url: '/v1/workspace', headers: rotated.headers })).statusCode).toBe(200);
      const rotation = await t.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${rotated.workspaceId}/api-keys/${rotated.id}/rotate`,
        headers: { ...owner.headers, 'content-type': 'application/json' },
        payload: '{"gracePeriodSeconds":0}',
      });
      expect(rotation.statusCode).toBeLessThan(300);
      expect((await t.inject({ method: 'GET', url: '/v1/workspace', headers: rotated.headers })).statusCode).toBe(401);

      const gone = await t.newKey({ scopes: ['vault:read'], by: owner });
      expect((await t.inject({ method: 'GET', url: '/v1/workspace', headers: gone.headers })).statusCode).toBe(200);
      const deletion = await t.inject({ method: 'DELETE', url: `/v1/admin/workspaces/${gone.workspaceId}`, headers: owner.headers });
      expect(deletion.statusCode).toBeLessThan(300);
      const refused = await t.inject({ method: 'GET', url: '/v1/workspace', headers: gone.headers });
      expect([401, 403]).toContain(refused.statusCode);
    });
  });

  describe('with the database gone', () => {
    it('answers the jobs list 200 or 503 and the workspace update 503, never a 500, and recovers', async () => {
      const proxy = await TcpProxy.start(t.db.appUrl);
      const behind = await createTestApp({ ...t.db, appUrl: proxy.through(t.db.appUrl) });
      try {
        const workspace = await t.newWorkspace();
        const admin = await t.newAdmin('owner');
        const update = () =>
          behind.app.inject({
            method: 'PATCH',
            url: `/v1/admin/workspaces/${workspace.id}`,
            headers: { ...admin.headers, 'content-type': 'application/json' },
            payload: JSON.stringify({ name: 'during the outage' }),
          });
        expect((await update()).statusCode).toBe(200);
        await proxy.cut();
        for (let round = 0; round < 3; round += 1) {
          const jobs = await behind.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: admin.headers });
          expect([200, 503]).toContain(jobs.statusCode);
          const updated = await update();
          expect([updated.statusCode, updated.json<{ code?: string }>().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
          expect(updated.body).not.toMatch(/ECONNRE|SELECT|UPDATE|stack/i);
        }
        await proxy.restore();
        let after = await update();
        for (let polls = 0; polls < 100 && after.statusCode === 503; polls += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          after = await update();
        }
        expect(after.statusCode).toBe(200);
      } finally {
        await proxy.restore();
        await behind.close();
        await proxy.close();
      }
    });

    it('answers a workspace update 503 when the database goes while the update waits on a lock', async () => {
      const proxy = await TcpProxy.start(t.db.appUrl);
      const behind = await createTestApp({ ...t.db, appUrl: proxy.through(t.db.appUrl) }, { env: { DATABASE_LOCK_TIMEOUT_MS: '10000' } });
      try {
        const workspace = await t.newWorkspace();
        const admin = await t.newAdmin('owner');
        await locker.query('BEGIN');
        let response: LightMyRequestResponse;
        try {
          await locker.query('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE');
          const pending = behind.app.inject({
            method: 'PATCH',
            url: `/v1/admin/workspaces/${workspace.id}`,
            headers: { ...admin.headers, 'content-type': 'application/json' },
            payload: JSON.stringify({ name: 'mid-request' }),
          });
          let waiting = 0;
          for (let polls = 0; polls < 500 && waiting === 0; polls += 1) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            const { rows } = await t.superuser.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND usename = 'ringfence_app'`,
            );
            waiting = rows[0]!.n;
          }
          expect(waiting).toBeGreaterThan(0);
          await proxy.cut();
          response = await pending;
        } finally {
          await locker.query('ROLLBACK');
        }
        expect([response.statusCode, response.json<{ code?: string }>().code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
        expect(behind.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
      } finally {
        await proxy.restore();
        await behind.close();
        await proxy.close();
      }
    });
  });
});
