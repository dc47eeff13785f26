import { randomBytes } from 'node:crypto';
import { runTracingProbe } from '../support/run-tracing-probe';
import { useTestApp } from '../support/use-test-app';

// The application runs in a child process (test/support/tracing-probe.ts), as main.ts starts it.
describe('OpenTelemetry tracing', () => {
  jest.setTimeout(180_000);
  const t = useTestApp();

  it('off (the default), loads no OpenTelemetry SDK, exporter or instrumentation', async () => {
    const report = await runTracingProbe('off', t.db.appUrl);
    expect(report.answers.map((answer) => answer.status)).toEqual([200, 401]);
    // prom-client loads the API alone (a no-op facade, for its exemplars): nothing that records or patches.
    expect(report.loaded.filter((path) => !path.includes('/@opentelemetry/api/'))).toEqual([]);
    expect(report.spans).toEqual([]);
  });

  it('on, produces HTTP server spans named by route pattern with the request id, and PostgreSQL spans in the same trace', async () => {
    const report = await runTracingProbe('on', t.db.appUrl);
    expect(report.loaded.length).toBeGreaterThan(0);
    const [ready, refused] = report.answers;
    const server = (requestId: string | null) =>
      report.spans.find((span) => span.kind === 1 && span.attributes['ringfence.request_id'] === requestId);
    const readySpan = server(ready!.requestId);
    expect(readySpan).toMatchObject({ name: 'GET /health/ready', attributes: { 'http.route': '/health/ready' } });
    expect(server(refused!.requestId)).toMatchObject({ name: 'GET /v1/workspace', attributes: { 'http.route': '/v1/workspace' } });
    // The readiness check's database ping, a child of the request's trace.
    const statements = report.spans.filter(
      (span) => span.traceId === readySpan!.traceId && span.attributes['db.system.name'] === 'postgresql',
    );
    expect(statements.length).toBeGreaterThan(0);
    // Statements with placeholders, never their bound values.
    expect(report.spans.some((span) => JSON.stringify(span.attributes).includes('db.query.parameter'))).toBe(false);
  });

  it('exports no query string and no secret: a key, a reset token and a refresh token sent in the query reach no span [V14.2.1 V16.2.5]', async () => {
    const key = (await t.newKey({ scopes: ['vault:read'] })).key;
    const resetToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    const report = await runTracingProbe('on', t.db.appUrl, undefined, [
      // The review's request: refused (a key in the query is a 401), and its query was a span attribute.
      { path: `/v1/workspace?api_key=${key}` },
      { path: `/v1/workspace?limit=1?api_key=${key}` },
      { path: `/v1/auth/password/reset?token=${resetToken}`, method: 'POST', body: { token: 'x', newPassword: 'x' } },
      { path: `/v1/auth/refresh?refresh_token=${refreshToken}&refreshToken=${refreshToken}`, method: 'POST', body: {} },
      // A route that does not exist, and the console's reset page: the token belongs in the fragment, never the query.
      { path: `/v1/no-such-route?password_reset_token=${resetToken}` },
      { path: `/console/reset-password?token=${resetToken}` },
      // Headers: the key as it should be sent, and a client that puts it in its user agent.
      { path: '/v1/workspace', headers: { authorization: `Bearer ${key}`, 'user-agent': `probe/1.0 (${key})` } },
    ]);
    expect(report.answers.slice(2, 4).map((answer) => answer.status)).toEqual([401, 401]);
    // Every request has its server span (what is checked below is not an empty list).
    const serverPaths = report.spans.filter((span) => span.kind === 1).map((span) => span.attributes['url.path']);
    for (const path of ['/v1/workspace', '/v1/auth/password/reset', '/v1/auth/refresh', '/v1/no-such-route', '/console/reset-password'])
      expect({ path, traced: serverPaths.includes(path) }).toEqual({ path, traced: true });
    // The user agent stays (a client's own words, which sessions show as the device), with our key format scrubbed from it.
    expect(report.spans.filter((span) => span.kind === 1).map((span) => span.attributes['user_agent.original'])).toContain(
      'probe/1.0 (rf_live_REDACTED)',
    );
    const exported = JSON.stringify(report.spans);
    for (const [name, secret] of [
      ['the key', key],
      ["the key's secret part", key.slice(16, 48)],
      ['the reset token', resetToken],
      ['the refresh token', refreshToken],
    ] as const) {
      expect({ name, exported: exported.includes(secret) }).toEqual({ name, exported: false });
    }
    // No query string at all, under any attribute a URL or its target goes in.
    for (const span of report.spans) {
      expect({ span: span.name, query: span.attributes['url.query'] }).toEqual({ span: span.name, query: undefined });
      for (const [attribute, value] of Object.entries(span.attributes)) {
        if (/url|target/i.test(attribute)) expect({ attribute, value }).toEqual({ attribute, value: expect.not.stringContaining('?') });
        expect({ attribute, value }).toEqual({ attribute, value: expect.not.stringMatching(/api_key=|token=/i) });
      }
    }
  });
});
