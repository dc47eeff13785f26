import { JobRegistry } from '@ringfence/tenancy';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import { answer, loopbackSinks, startWebhookSink, WebhookSink } from '../support/webhook-sink';
import { useTestApp } from '../support/use-test-app';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

/** The value of one series of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((pair) => inside.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics (outside production, no token: loopback only)', () => {
  const t = useTestApp();

  it('counts requests by route pattern and status, auth failures by reason class, and names no workspace, key or secret', async () => {
    const key = await t.newKey({ scopes: ['vault:read', 'vault:write'] });
    const owner = await t.newAdmin('owner');
    // A request with a path parameter: counted under its pattern, never its URL.
    const missing = await t.app.inject({ method: 'GET', url: '/v1/vault/secrets/not-there-at-all', headers: key.headers });
    expect(missing.statusCode).toBe(404);
    // A refused key (wrong secret) and a request with no credential.
    const wrong = `${key.key.slice(0, -6)}AAAAAA`;
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { authorization: `Bearer ${wrong}` } })).statusCode).toBe(
      401,
    );
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/jobs' })).statusCode).toBe(401);

    const scrape = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toContain('text/plain');
    const text = scrape.body;
    expect(sample(text, 'ringfence_http_requests_total', { method: 'GET', route: '/v1/vault/secrets/:name', status: '404' })).toBe(1);
    expect(text).not.toContain('not-there-at-all');
    expect(sample(text, 'ringfence_http_requests_total', { method: 'GET', route: '/v1/workspace', status: '401' })).toBe(1);
    expect(sample(text, 'ringfence_http_request_duration_seconds_count', { route: '/v1/workspace', status: '401' })).toBe(1);
    expect(sample(text, 'ringfence_auth_failures_total', { credential: 'api_key', reason: 'unauthenticated' })).toBe(1);
    expect(sample(text, 'ringfence_auth_failures_total', { credential: 'admin', reason: 'unauthenticated' })).toBe(1);
    // The pool, the jobs and the audit chain's lag, read at the scrape.
    expect(sample(text, 'ringfence_db_pool_connections', {})).toBeUndefined(); // unlabelled: read below
    expect(text).toMatch(/^ringfence_db_pool_connections \d+$/m);
    expect(text).toMatch(/^ringfence_db_pool_waiting \d+$/m);
    expect(text).toMatch(/^ringfence_job_runs_total\{job="audit-seal"\} \d+$/m);
    expect(text).toMatch(/^ringfence_audit_unsealed_rows \d+$/m);
    expect(text).toMatch(/^ringfence_webhook_deliveries_pending \d+$/m);
    // Nothing of a tenant or a credential: no workspace id, key id or secret, no admin.
    for (const secret of [key.workspaceId, key.id, key.key, owner.email]) expect(text).not.toContain(secret);

    // The scrape itself is counted on the next one, by its pattern.
    const again = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(sample(again.body, 'ringfence_http_requests_total', { route: '/metrics', status: '200' })).toBe(1);
  });

  it('answers 404 to a client that is not on loopback [V13.4.5]', async () => {
    const remote = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(404);
  });
});

describe('GET /metrics behind METRICS_TOKEN', () => {
  const t = useTestApp({ env: { METRICS_TOKEN: TOKEN } });

  it('admits the bearer token only, from anywhere [V13.4.5]', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    const right = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).not.toContain(TOKEN);
  });
});

describe('GET /metrics in production without a token', () => {
  const t = useTestApp({ configure: (config) => ({ ...config, metrics: { access: 'off' } }) });

  it('is what production configuration makes of a missing token, and answers 404, even on loopback [V13.4.5 V15.2.3]', async () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://x/y',
      RINGFENCE_SECRETS_DIR: '/secrets',
      SMTP_URL: 'smtp://mail:25',
      CONSOLE_URL: 'https://ringfence.example.com/console',
      MIGRATE_ON_BOOT: 'false',
    };
    expect(loadConfig(production).metrics).toEqual({ access: 'off' });
    expect(loadConfig({ ...production, METRICS_TOKEN: TOKEN }).metrics).toEqual({ access: 'token', token: TOKEN });
    expect(loadConfig({ NODE_ENV: 'development' }).metrics).toEqual({ access: 'loopback' });
    expect(() => loadConfig({ ...production, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('the request completion line', () => {
  const t = useTestApp();

  it('names the actor and the workspace, never the key [V16.2.1 V16.3.1]', async () => {
    const key = await t.newKey();
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
    const line = t.logs.find((entry) => entry.msg === 'request completed' && entry.route === '/v1/workspace');
    expect(line).toMatchObject({ actor: `api_key:${key.id}`, workspaceId: key.workspaceId, status: 200 });
    expect(t.rawLogs()).not.toContain(key.key);
  });
});

describe('GET /metrics on a worker instance', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'worker' } });

  it('is served there too (the jobs and the deliveries run on workers), while the API is not', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace' })).statusCode).toBe(404);
  });
});

describe('GET /metrics, the jobs', () => {
  const t = useTestApp({ env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1' } });

  it('counts each job’s turns and failures from the job registry, as counters', async () => {
    const owner = await t.newAdmin('owner');
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email: owner.email } })).statusCode).toBe(202);
    await t.app.get(JobRegistry).runNow('mail-worker'); // the mail server refuses: a failed turn
    await t.app.get(JobRegistry).runNow('audit-seal');
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('# TYPE ringfence_job_runs_total counter');
    expect(sample(text, 'ringfence_job_failures_total', { job: 'mail-worker' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringfence_job_runs_total', { job: 'audit-seal' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringfence_job_failures_total', { job: 'audit-seal' })).toBe(0);
    expect(text).not.toContain(owner.email);
  });
});

describe('GET /metrics, the webhook deliveries', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  // An api instance: no delivery turn of the job's own (nudged by each commit) races the spec's.
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' }, configure: (config) => loopbackSinks(config, [sink.port]) });

  it('counts outcomes and attempt times, and the backlog, with nothing of the endpoint', async () => {
    const admin = await t.newAdmin('owner');
    const key = await t.newKey({ scopes: ['webhooks:write'], by: admin });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: key.headers,
      payload: { url: sink.url() },
    });
    const { id } = created.json<{ id: string }>();
    sink.respond(answer(503));
    expect((await t.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/test`, headers: key.headers })).statusCode).toBe(202);
    await t.app.get(WebhookDeliveryWorker).deliverDue();
    sink.respond(answer(200));
    expect((await t.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/test`, headers: key.headers })).statusCode).toBe(202);
    await t.app.get(WebhookDeliveryWorker).deliverDue();
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'ringfence_webhook_deliveries_total', { outcome: 'retried' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringfence_webhook_deliveries_total', { outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringfence_webhook_attempt_duration_seconds_count', { result: 'http_5xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringfence_webhook_attempt_duration_seconds_count', { result: 'delivered' })).toBeGreaterThanOrEqual(1);
    // The one that failed waits for its retry.
    expect(text).toMatch(/^ringfence_webhook_deliveries_pending [1-9]\d*$/m);
    for (const secret of [id, key.workspaceId, sink.url()]) expect(text).not.toContain(secret);
  });
});
