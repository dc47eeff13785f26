import { PipelineProbeModule } from '../support/pipeline-probe.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

describe('HTTP boundary: headers, request ids, CORS, logs', () => {
  const t = useTestApp({ features: [PipelineProbeModule], env: { CORS_ORIGINS: 'https://console.example.com' } });

  it('sends HSTS (1 year, subdomains), no-store and the API security headers on every response, errors included [V3.4.1 V3.4.4 V3.4.5 V3.4.6 V14.2.2 V14.3.2 API8:2023]', async () => {
    for (const url of ['/health/live', '/nowhere']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('gives JSON answers a CSP that allows nothing, and the docs page one that loads its own assets only [V3.2.1]', async () => {
    for (const url of ['/health/live', '/nowhere', '/docs-json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect({ url, csp: response.headers['content-security-policy'] }).toEqual({ url, csp: "default-src 'none';frame-ancestors 'none'" });
    }
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('names the media type of its own answers with charset=utf-8: JSON, problems, metrics and the console page', async () => {
    const types: Record<string, unknown> = {};
    for (const url of ['/health/live', '/nowhere', '/docs-json', '/metrics', '/console/sign-in'])
      types[url] = (await t.app.inject({ method: 'GET', url })).headers['content-type'];
    expect(types).toEqual({
      '/health/live': 'application/json; charset=utf-8',
      '/nowhere': 'application/problem+json; charset=utf-8',
      '/docs-json': 'application/json; charset=utf-8',
      '/metrics': 'text/plain; version=0.0.4; charset=utf-8',
      '/console/sign-in': 'text/html; charset=utf-8',
    });
  });

  it('serves neither the docs page nor the OpenAPI documents when DOCS_ENABLED is off (production’s default) [V13.4.2 V13.4.5 API8:2023]', async () => {
    let undocumented: TestApp | undefined;
    try {
      undocumented = await createTestApp(t.db, { env: { DOCS_ENABLED: 'false' } });
      for (const url of ['/docs', '/docs/', '/docs-json', '/docs-yaml']) {
        const answer = await undocumented.app.inject({ method: 'GET', url });
        expect([url, answer.statusCode, answer.headers['content-type']]).toEqual([url, 404, expect.stringMatching(/problem\+json/)]);
      }
    } finally {
      await undocumented?.close();
    }
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one [V1.2.1]', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-0123456789' } });
    expect(kept.headers['x-request-id']).toBe('trace-0123456789');
    for (const bad of ['short', 'bad value with spaces', 'x'.repeat(300), '{"json":1}']) {
      const replaced = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': bad } });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers CORS for an allowed origin only, never reflecting others [V3.4.2 API8:2023]', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/health/live',
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.com');
    const other = await t.app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    // With an Origin or without, the answer says it depends on it.
    const server = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect({ vary: server.headers.vary, allowed: server.headers['access-control-allow-origin'] }).toEqual({
      vary: 'Origin',
      allowed: undefined,
    });
    expect(other.headers.vary).toBe('Origin');
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
  });

  it('serves the OpenAPI document', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ paths: Record<string, unknown> }>().paths).toHaveProperty(['/health/ready']);
  });

  it('logs one line per request with method, route, status, latency and request id [V16.2.1 V16.2.4]', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/live?probe=1', headers: { 'x-request-id': 'log-line-000001' } });
    expect(response.statusCode).toBe(200);
    const lines = t.logs.filter((line) => line.clientRequestId === 'log-line-000001');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      method: 'GET',
      route: '/health/live',
      status: 200,
      ms: expect.any(Number),
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('never writes a secret carried by a request to the log [V16.2.5]', async () => {
    const secrets = {
      bearer: 'rf_live_SECRETBEARER0000000000000000',
      cookie: 'session=SECRETCOOKIE123456',
      password: 'SECRET-PASSWORD-correct-horse',
      query: 'SECRETQUERYTOKEN999',
      path: 'SECRETPATHSEGMENT',
    };
    await t.app.inject({
      method: 'POST',
      url: `/probe/echo?token=${secrets.query}`,
      headers: { authorization: `Bearer ${secrets.bearer}`, cookie: secrets.cookie },
      payload: { name: 'ok', password: secrets.password },
    });
    await t.app.inject({ method: 'POST', url: '/probe/echo', payload: { name: 'far too long for the limit', password: secrets.password } });
    await t.app.inject({ method: 'GET', url: `/v1/keys/${secrets.path}`, headers: { authorization: `Bearer ${secrets.bearer}` } });
    await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: { authorization: `Bearer ${secrets.bearer}` },
      payload: { name: 'x' },
    });
    await t.app.inject({ method: 'GET', url: '/probe/boom', headers: { authorization: `Bearer ${secrets.bearer}` } });

    const logs = t.rawLogs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of Object.values(secrets)) expect(logs).not.toContain(secret.split('=').pop());
  });

  it('redacts secret-named fields that application code logs by mistake [V16.2.5]', () => {
    const logger = t.app.getHttpAdapter().getInstance().log;
    logger.info({ user: { password: 'LEAKED-PW-1' }, apiKey: 'LEAKED-KEY-2', nested: { deep: { token: 'LEAKED-TOKEN-3' } } }, 'oops');
    const logs = t.rawLogs();
    expect(logs).toContain('oops');
    expect(logs).not.toMatch(/LEAKED-PW-1|LEAKED-KEY-2|LEAKED-TOKEN-3/);
  });
});
