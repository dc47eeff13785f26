import { LightMyRequestResponse } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { newAdmin, newKey } from '../support/factories';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, TestApp } from '../support/test-app';
import { useTestDatabase } from '../support/test-database';

type Caller = 'owner' | 'key' | 'anyone';
interface Call {
  caller: Caller;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: Record<string, unknown>;
}

function expectDatabaseUnavailable(call: string, response: LightMyRequestResponse): void {
  expect([call, response.statusCode, response.json<{ code?: string }>().code]).toEqual([call, 503, 'DATABASE_UNAVAILABLE']);
  expect([call, Number(response.headers['retry-after']) > 0]).toEqual([call, true]);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/**
 * The database goes away behind a TCP proxy (connections cut, new ones refused) and comes
 * back. Every route that needs it answers 503 DATABASE_UNAVAILABLE with Retry-After, never
 * a 500 or a hang, and the outage is logged once as it starts and once as it ends.
 */
describe('a database outage', () => {
  const db = useTestDatabase();
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await TcpProxy.start(db.appUrl);
  });
  afterAll(async () => {
    await proxy.close();
  });

  /** The app connects through the proxy. */
  function appBehindProxy(env: Record<string, string> = {}): Promise<TestApp> {
    return createTestApp({ ...db, appUrl: proxy.through(db.appUrl) }, { env });
  }

  it('is answered 503 with Retry-After on every request, logged once when it starts and once when the database answers again [V16.3.4 V16.5.2]', async () => {
    await proxy.restore();
    const t = await appBehindProxy();
    try {
      const owner = await newAdmin(t, 'owner');
      const key = await newKey(t, { scopes: ['audit:read'], by: owner });
      await proxy.cut();

      const calls = [
        () => t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password } }),
        () => t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers }),
        () => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: owner.headers }),
        () => t.app.inject({ method: 'POST', url: '/v1/admin/workspaces', headers: owner.headers, payload: { name: 'during the outage' } }),
        () => t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: key.headers }),
      ];
      for (let round = 0; round < 4; round += 1) {
        for (const [at, call] of calls.entries()) expectDatabaseUnavailable(`call ${at}`, await call());
      }
      const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: expect.stringContaining('database') });
      expect(ready.headers['retry-after']).toBe('5');

      const outageLines = () => t.logs.filter((line) => /^database unavailable: /.test(String(line.msg)));
      const recoveryLines = () => t.logs.filter((line) => /^database answers again after /.test(String(line.msg)));
      expect(outageLines()).toEqual([expect.objectContaining({ level: 50 })]);
      expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
      expect(recoveryLines()).toEqual([]);

      await proxy.restore();
      // The outage ends with an answer after a quiet spell (OUTAGE_QUIET_MS): ask until it is over.
      for (let asked = 0; recoveryLines().length === 0 && asked < 200; asked += 1) {
        await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers });
        if (recoveryLines().length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
      expect(recoveryLines()).toEqual([
        expect.objectContaining({ level: 30, msg: expect.stringMatching(/; \d+ calls were answered 503 meanwhile$/) }),
      ]);
      expect(outageLines()).toHaveLength(1);
    } finally {
      await proxy.restore();
      await t.close();
    }
  });

  it('answers 503 DATABASE_UNAVAILABLE, not 500, on every route that needs the database, whatever path it takes there [V16.5.2]', async () => {
    await proxy.restore();
    // Credentials served from memory (the longest caches allowed), so a request gets past
    // authentication and meets the outage in its handler; a cold key and token meet it there.
    const t = await appBehindProxy({ API_KEY_CACHE_MS: '4000', ADMIN_SESSION_CACHE_MS: '5000' });
    try {
      const owner = await newAdmin(t, 'owner');
      const key = await newKey(t, {
        scopes: [
          'keys:manage',
          'vault:read',
          'vault:write',
          'vault:reveal',
          'audit:read',
          'webhooks:read',
          'webhooks:write',
          'policies:read',
          'transfers:read',
        ],
        by: owner,
      });
      const other = await newKey(t, { workspace: key.workspaceId, scopes: ['audit:read'], by: owner });
      const cold = await newKey(t, { workspace: key.workspaceId, scopes: ['audit:read'], by: owner });
      const coldAdmin = await newAdmin(t, 'auditor');
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: key.headers, payload: { name: 'kept', value: 'v' } }))
          .statusCode,
      ).toBe(201);
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/auth/step-up', headers: owner.headers, payload: { code: owner.secondFactor() } }))
          .statusCode,
      ).toBe(204);
      const ws = key.workspaceId;
      const token = randomBytes(32).toString('base64url');
      const missing = randomUUID();

      const calls: Call[] = [
        { caller: 'owner', method: 'GET', url: '/v1/admin/admins' },
        { caller: 'owner', method: 'GET', url: `/v1/admin/admins/${owner.id}` },
        { caller: 'owner', method: 'POST', url: '/v1/admin/admins', payload: { email: 'new-admin@example.com', role: 'auditor' } },
        { caller: 'owner', method: 'PATCH', url: `/v1/admin/admins/${coldAdmin.id}`, payload: { role: 'admin' } },
        { caller: 'owner', method: 'GET', url: '/v1/admin/workspaces' },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}` },
        { caller: 'owner', method: 'POST', url: '/v1/admin/workspaces', payload: { name: 'new' } },
        { caller: 'owner', method: 'PATCH', url: `/v1/admin/workspaces/${ws}`, payload: { name: 'renamed' } },
        { caller: 'owner', method: 'POST', url: `/v1/admin/workspaces/${ws}/suspend` },
        { caller: 'owner', method: 'POST', url: `/v1/admin/workspaces/${ws}/reactivate` },
        { caller: 'owner', method: 'DELETE', url: `/v1/admin/workspaces/${ws}` },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}/api-keys` },
        {
          caller: 'owner',
          method: 'POST',
          url: `/v1/admin/workspaces/${ws}/api-keys`,
          payload: { name: 'k', scopes: ['audit:read'], environment: 'live' },
        },
        { caller: 'owner', method: 'POST', url: `/v1/admin/workspaces/${ws}/api-keys/${other.id}/rotate`, payload: {} },
        { caller: 'owner', method: 'DELETE', url: `/v1/admin/workspaces/${ws}/api-keys/${other.id}` },
        { caller: 'owner', method: 'GET', url: '/v1/audit/events' },
        { caller: 'owner', method: 'GET', url: '/v1/audit/events/export' },
        { caller: 'owner', method: 'GET', url: '/v1/audit/verify' },
        { caller: 'owner', method: 'GET', url: '/v1/audit/checkpoints' },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}/transfers?environment=live` },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}/transfers/${randomUUID()}?environment=live` },
        { caller: 'owner', method: 'POST', url: `/v1/admin/workspaces/${ws}/export` },
        { caller: 'owner', method: 'GET', url: '/v1/auth/sessions' },
        { caller: 'owner', method: 'DELETE', url: `/v1/auth/sessions/${randomUUID()}` },
        { caller: 'owner', method: 'POST', url: '/v1/auth/step-up', payload: { code: '123456' } },
        { caller: 'owner', method: 'POST', url: '/v1/auth/totp/enroll' },
        { caller: 'owner', method: 'POST', url: '/v1/auth/totp/confirm', payload: { code: '123456' } },
        {
          caller: 'owner',
          method: 'POST',
          url: '/v1/auth/password/change',
          payload: { currentPassword: owner.password, newPassword: 'a brand new long passphrase 42' },
        },
        { caller: 'owner', method: 'POST', url: '/v1/auth/recovery-codes' },
        { caller: 'owner', method: 'POST', url: '/v1/auth/logout' },
        { caller: 'key', method: 'GET', url: '/v1/api-keys' },
        { caller: 'key', method: 'POST', url: '/v1/api-keys', payload: { name: 'k', scopes: ['audit:read'] } },
        { caller: 'key', method: 'POST', url: `/v1/api-keys/${other.id}/rotate`, payload: {} },
        { caller: 'key', method: 'DELETE', url: `/v1/api-keys/${other.id}` },
        { caller: 'key', method: 'GET', url: '/v1/vault/secrets' },
        { caller: 'key', method: 'GET', url: '/v1/vault/secrets/kept' },
        { caller: 'key', method: 'POST', url: '/v1/vault/secrets', payload: { name: 'another', value: 'v' } },
        { caller: 'key', method: 'POST', url: '/v1/vault/secrets/kept/versions', payload: { value: 'v2' } },
        { caller: 'key', method: 'POST', url: '/v1/vault/secrets/kept/reveal' },
        { caller: 'key', method: 'DELETE', url: '/v1/vault/secrets/kept' },
        { caller: 'key', method: 'GET', url: '/v1/audit/events' },
        { caller: 'key', method: 'GET', url: '/v1/audit/events/export' },
        // A literal public address: the SSRF guard's check needs no lookup, the handler meets the outage.
        { caller: 'key', method: 'POST', url: '/v1/webhooks/endpoints', payload: { url: 'https://93.184.215.14/hook' } },
        { caller: 'key', method: 'GET', url: '/v1/webhooks/endpoints' },
        { caller: 'key', method: 'GET', url: `/v1/webhooks/endpoints/${missing}` },
        { caller: 'key', method: 'PATCH', url: `/v1/webhooks/endpoints/${missing}`, payload: { description: 'x' } },
        { caller: 'key', method: 'DELETE', url: `/v1/webhooks/endpoints/${missing}` },
        { caller: 'key', method: 'POST', url: `/v1/webhooks/endpoints/${missing}/rotate-secret`, payload: {} },
        { caller: 'key', method: 'POST', url: `/v1/webhooks/endpoints/${missing}/test` },
        { caller: 'key', method: 'POST', url: `/v1/webhooks/endpoints/${missing}/recover`, payload: { since: new Date().toISOString() } },
        { caller: 'key', method: 'GET', url: '/v1/webhooks/deliveries' },
        { caller: 'key', method: 'GET', url: `/v1/webhooks/deliveries/${missing}` },
        { caller: 'key', method: 'POST', url: `/v1/webhooks/deliveries/${missing}/replay` },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}/webhooks/endpoints?environment=live` },
        { caller: 'owner', method: 'GET', url: `/v1/admin/workspaces/${ws}/webhooks/deliveries?environment=live` },
        { caller: 'key', method: 'GET', url: '/v1/policies' },
        { caller: 'key', method: 'GET', url: '/v1/transfers' },
        { caller: 'anyone', method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password } },
        { caller: 'anyone', method: 'POST', url: '/v1/auth/mfa', payload: { challenge: token, code: '123456' } },
        { caller: 'anyone', method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.session.refreshToken } },
        { caller: 'anyone', method: 'POST', url: '/v1/auth/password/forgot', payload: { email: owner.email } },
        {
          caller: 'anyone',
          method: 'POST',
          url: '/v1/auth/password/reset',
          payload: { token, newPassword: 'a brand new long passphrase 42' },
        },
      ];
      for (const call of calls) {
        // Back, warm the credentials, then gone again for the one call.
        await proxy.restore();
        expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: owner.headers })).statusCode).toBe(200);
        await proxy.cut();
        const headers = call.caller === 'owner' ? owner.headers : call.caller === 'key' ? key.headers : {};
        const response = await t.app.inject({
          method: call.method,
          url: call.url,
          headers,
          ...(call.payload ? { payload: call.payload } : {}),
        });
        expectDatabaseUnavailable(`${call.method} ${call.url}`, response);
      }
      // Credentials not in memory meet the outage while they are checked: a 503, not a refusal.
      expectDatabaseUnavailable(
        'a key not yet verified',
        await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: cold.headers }),
      );
      expectDatabaseUnavailable(
        'an admin token not yet seen',
        await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: coldAdmin.headers }),
      );
      expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
    } finally {
      await proxy.restore();
      await t.close();
    }
  });
});
