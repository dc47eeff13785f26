import { randomUUID } from 'node:crypto';
import { expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/**
 * An outside attacker's look at issue 17's surface: /metrics, admin Idempotency-Key, keyset
 * cursors, the unknown-query rule, auditors reading workspaces. Each spec pins a defence or
 * a fixed hole.
 */
const TOKEN = 'metrics-token-0123456789abcdef0123456789';
const cursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('issue 17 attacks: /metrics, loopback only', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' } });

  it.each([
    ['X-Forwarded-For', { 'x-forwarded-for': '127.0.0.1' }],
    ['X-Real-IP', { 'x-real-ip': '127.0.0.1' }],
    ['Forwarded', { forwarded: 'for=127.0.0.1' }],
    ['Host localhost', { host: 'localhost' }],
    ['Host 127.0.0.1', { host: '127.0.0.1:3000' }],
  ])('is not reached from a remote address through %s', async (_name, headers) => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('ringfence_');
  });

  it.each(['/metrics/', '//metrics', '/METRICS', '/metrics?x=1', '/metrics;x', '/%6detrics', '/./metrics', '/v1/../metrics'])(
    'refuses %s from a remote address',
    async (url) => {
      for (const method of ['GET', 'HEAD', 'OPTIONS'] as const) {
        const response = await t.app.inject({ method, url, remoteAddress: '203.0.113.9' });
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.body).not.toContain('ringfence_');
      }
    },
  );

  it.each(['::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '127.0.0.1.nip.io', '10.0.0.1', '0.0.0.0', '169.254.169.254'])(
    'answers 404 to the address %s',
    async (remoteAddress) => {
      expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress })).statusCode).toBe(404);
    },
  );

  it('keeps unmatched paths and methods to bounded series, and names no path, query or tenant', async () => {
    const key = await t.newKey({ scopes: ['vault:read', 'vault:write'] });
    for (let index = 0; index < 40; index += 1) {
      await t.app.inject({ method: 'GET', url: `/nope-${randomUUID()}?secret=${randomUUID()}` });
      await t.app.inject({ method: 'GET', url: `/v1/vault/secrets/${randomUUID()}`, headers: key.headers });
    }
    for (const method of ['PROPFIND', 'MKCOL', 'PURGE', 'LOCK', 'SEARCH'] as const)
      await t.app.inject({ method: method as never, url: `/v1/${randomUUID()}` });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toMatch(/nope-|secret=/);
    expect(text).not.toContain(key.workspaceId);
    expect(text).not.toContain(key.id);
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((match) => match[1]));
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[-a-z0-9/:_.*]*)$/);
    expect(text.split('\n').filter((line) => line.startsWith('ringfence_http_requests_total{')).length).toBeLessThan(40);
  });
});

describe('issue 17 attacks: /metrics, loopback only, behind trusted proxies', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api', TRUSTED_PROXIES: '10.0.0.0/8,127.0.0.1' } });

  it('is not reached by a host of the trusted range that forwards "for" loopback [V4.1.3]', async () => {
    for (const headers of [
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-forwarded-for': '::1' },
      { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' },
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('ringfence_');
    }
  });

  it('is not reached through a trusted proxy on loopback by a remote client', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(response.statusCode).toBe(404);
  });

  it('is reached by a scraper on loopback itself', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});

describe('issue 17 attacks: /metrics behind METRICS_TOKEN', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api', METRICS_TOKEN: TOKEN } });

  it.each([
    ['lower-case scheme', `bearer ${TOKEN}`],
    ['two spaces', `Bearer  ${TOKEN}`],
    ['a prefix', `Bearer ${TOKEN.slice(0, -1)}`],
    ['token and more', `Bearer ${TOKEN} x`],
    ['Basic', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
    ['empty', 'Bearer '],
  ])('refuses %s, from loopback too', async (_name, authorization) => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('ringfence_');
  });

  it('is not opened by loopback or a forwarded address once a token is set, and answers HEAD with the token only', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'HEAD', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics/', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).not.toBe(
      500,
    );
  });
});

describe('issue 17 attacks: cursors, limits and unknown query parameters', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' } });

  it.each([
    ['a NUL in a text position (vault)', '/v1/vault/secrets', cursor(['\u0000'])],
    ['a lone surrogate (vault)', '/v1/vault/secrets', cursor(['\ud800'])],
    ['a NUL in a text position (API keys)', '/v1/api-keys', cursor(['2026-01-01 00:00:00+00', 'k\u0000'])],
    ['a number', '/v1/vault/secrets', cursor([1])],
    ['an object', '/v1/vault/secrets', cursor({ 0: 'a', length: 1 })],
    ['not JSON', '/v1/vault/secrets', Buffer.from('[').toString('base64url')],
    ['padding and plus', '/v1/vault/secrets', `${Buffer.from('["a"]').toString('base64')}==`],
    ['a timestamp out of range', '/v1/transfers', cursor(['99999-01-01 00:00:00+00', randomUUID()])],
    ['an offset beyond PostgreSQL', '/v1/transfers', cursor(['2026-01-01 00:00:00+15:59', randomUUID()])],
    ['a year 0000', '/v1/transfers', cursor(['0000-01-01 00:00:00+00', randomUUID()])],
    ['an upper-case uuid', '/v1/transfers', cursor(['2026-01-01 00:00:00+00', randomUUID().toUpperCase()])],
  ])('answers a cursor with %s without a 500', async (_name, url, forged) => {
    const key = await t.newKey({ scopes: ['vault:read', 'keys:manage', 'transfers:read'] });
    const response = await t.app.inject({ method: 'GET', url: `${url}?cursor=${encodeURIComponent(forged)}`, headers: key.headers });
    expect(response.statusCode).toBeLessThan(500);
    if (response.statusCode !== 200) expectProblem(response, 400, 'VALIDATION_FAILED');
  });

  it('pages only the caller’s own rows, whatever cursor another workspace’s list gave [V8.2.2 API1:2023]', async () => {
    const mine = await t.newKey({ scopes: ['vault:read', 'vault:write'] });
    const theirs = await t.newKey({ scopes: ['vault:read', 'vault:write'] });
    for (const [key, name] of [
      [mine, 'a-mine'],
      [theirs, 'b-theirs'],
      [mine, 'c-mine'],
    ] as const) {
      const made = await t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: key.headers, payload: { name, value: 'v' } });
      expect(made.statusCode).toBe(201);
    }
    const page = await t.app.inject({ method: 'GET', url: `/v1/vault/secrets?cursor=${cursor([''])}&limit=200`, headers: mine.headers });
    expect(page.json<{ items: { name: string }[] }>().items.map((item) => item.name)).toEqual(['a-mine', 'c-mine']);
  });

  it.each(['limit=201', 'limit=0', 'limit=-1', 'limit=1.5', 'limit=1e9', 'limit=NaN', 'limit=1&limit=2', 'limit[]=1', 'cursor[a]=b'])(
    'refuses %s with a 400 [V15.3.7]',
    async (query) => {
      const key = await t.newKey({ scopes: ['vault:read'] });
      expectProblem(
        await t.app.inject({ method: 'GET', url: `/v1/vault/secrets?${query}`, headers: key.headers }),
        400,
        'VALIDATION_FAILED',
      );
    },
  );

  it.each([
    '__proto__=x',
    '__proto__[limit]=1',
    'constructor=x',
    'constructor[prototype][x]=1',
    'toString=x',
    'hasOwnProperty=x',
    'a[]=1',
    'a%5B%5D=1',
    '%00=1',
    'lim%69t=5&x=1',
    'x',
    '=x',
  ])('refuses the unknown parameter in ?%s on a DTO route and on a route that reads no query [V1.5.2 V15.3.6 V15.3.7]', async (query) => {
    const key = await t.newKey({ scopes: ['vault:read'] });
    for (const url of [`/v1/vault/secrets?${query}`, `/v1/workspace?${query}`]) {
      const response = await t.app.inject({ method: 'GET', url, headers: key.headers });
      expect(response.statusCode).toBe(400);
    }
  });
});

describe('issue 17 attacks: Idempotency-Key', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' } });

  const createWorkspace = (headers: Record<string, string>, name: string) =>
    t.app.inject({ method: 'POST', url: '/v1/admin/workspaces', headers, payload: { name } });

  it('asks for credentials before it reads the key, and refuses an auditor, an API key and no one', async () => {
    const auditor = await t.newAdmin('auditor');
    const key = await t.newKey();
    expectProblem(await createWorkspace({ 'idempotency-key': 'a b' }, 'x'), 401, 'UNAUTHENTICATED');
    expectProblem(await createWorkspace({ ...auditor.headers, 'idempotency-key': 'a b' }, 'x'), 403, 'INSUFFICIENT_ROLE');
    expect((await createWorkspace({ ...key.headers, 'idempotency-key': randomUUID() }, 'x')).statusCode).toBe(401);
  });

  it('never replays an admin’s answer to another admin, nor after the admin lost the role', async () => {
    const first = await t.newAdmin('admin');
    const second = await t.newAdmin('admin');
    const idempotencyKey = randomUUID();
    const name = `one ${randomUUID()}`;
    const made = await createWorkspace({ ...first.headers, 'idempotency-key': idempotencyKey }, name);
    expect(made.statusCode).toBe(201);
    const theirs = await createWorkspace({ ...second.headers, 'idempotency-key': idempotencyKey }, name);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<{ id: string }>().id).not.toBe(made.json<{ id: string }>().id);
    await t.superuser.query("UPDATE admins SET role = 'auditor' WHERE id = $1", [first.id]);
    const demoted = await createWorkspace({ ...first.headers, 'idempotency-key': idempotencyKey }, name);
    expect(demoted.statusCode).toBe(403);
    expect(demoted.body).not.toContain(made.json<{ id: string }>().id);
  });

  it('makes one workspace of two creates raced with one key [V2.3.4]', async () => {
    const admin = await t.newAdmin('admin');
    const idempotencyKey = randomUUID();
    const name = `raced ${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => createWorkspace({ ...admin.headers, 'idempotency-key': idempotencyKey }, name)),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
    const { rows } = await t.superuser.query('SELECT id FROM workspaces WHERE name = $1', [name]);
    expect(rows).toHaveLength(1);
  });

  it.each([
    ['256 characters', 'k'.repeat(256), 400],
    ['255 characters', 'k'.repeat(255), 201],
    ['a quoted empty key', '""', 400],
    ['a lone quote', '"', 400],
    ['a quote inside', 'a"b', 400],
    ['a comma', 'a,b', 400],
    ['a backslash', 'a\\b', 400],
    ['a tab inside', 'a\tb', 400],
    ['a Latin-1 byte', 'caf\u00e9', 400],
  ])('answers a key of %s with %s, never a 500', async (_name, idempotencyKey, status) => {
    const admin = await t.newAdmin('admin');
    const response = await createWorkspace({ ...admin.headers, 'idempotency-key': idempotencyKey }, `k ${randomUUID()}`);
    expect(response.statusCode).toBe(status);
  });

  it('refuses a key sent twice (never joined into one) [V15.3.7]', async () => {
    const admin = await t.newAdmin('admin');
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/workspaces',
      headers: { ...admin.headers, 'idempotency-key': ['a', 'b'] as never },
      payload: { name: 'twice' },
    });
    expectProblem(response, 400, 'IDEMPOTENCY_KEY_MALFORMED');
  });
});

describe('issue 17 attacks: auditors', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' } });

  it('reads workspaces and writes nothing, nor reads their keys', async () => {
    const auditor = await t.newAdmin('auditor');
    const key = await t.newKey();
    const id = key.workspaceId;
    expect((await t.app.inject({ method: 'GET', url: `/v1/admin/workspaces/${id}`, headers: auditor.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/workspaces?limit=1', headers: auditor.headers })).statusCode).toBe(200);
    const before = (await t.superuser.query('SELECT * FROM workspaces WHERE id = $1', [id])).rows[0];
    for (const [method, url, payload] of [
      ['POST', '/v1/admin/workspaces', { name: 'x' }],
      ['PATCH', `/v1/admin/workspaces/${id}`, { name: 'pwned' }],
      ['DELETE', `/v1/admin/workspaces/${id}`, undefined],
      ['POST', `/v1/admin/workspaces/${id}/suspend`, undefined],
      ['POST', `/v1/admin/workspaces/${id}/api-keys`, { name: 'x', scopes: ['vault:read'], environment: 'live' }],
      ['GET', `/v1/admin/workspaces/${id}/api-keys`, undefined],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: auditor.headers, ...(payload ? { payload } : {}) });
      expect(response.statusCode).toBe(403);
    }
    expect((await t.superuser.query('SELECT * FROM workspaces WHERE id = $1', [id])).rows[0]).toEqual(before);
  });
});
