import { lookup } from 'node:dns/promises';
import type { ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import { isForbiddenAddress } from '../../apps/api/src/webhooks/ssrf/endpoint-guard';
import type { AppConfig } from '../../apps/api/src/config/app-config';
import type { TestKey } from '../support/api-key';
import { expectProblem } from '../support/assertions';
import { TestAppHandle, useTestApp } from '../support/use-test-app';
import { loopbackSinksOn, startWebhookSink, WebhookSink } from '../support/webhook-sink';

/**
 * The SSRF guard against the real application (issue 16), on loopback sinks only. The
 * guard's own notations are unit specs (ssrf/endpoint-guard.spec.ts) and the client's
 * timeouts, redirects and cut bodies are too (delivery/delivery-client.spec.ts); here: what
 * the HTTP API answers when one is registered (422 ENDPOINT_URL_REFUSED, nothing stored),
 * what a delivery does when an endpoint's URL turns internal after registration (refused,
 * nothing sent), and what an attempt records for a sink that hangs, redirects inward, or
 * answers 100 MB. The application keeps its default policy (no `allowLoopbackForTests`)
 * wherever it must refuse.
 */

/** A public address that needs no lookup (TEST-NET addresses are refused): registration accepts it with the default policy. */
const PUBLIC_URL = 'https://93.184.216.34/hook';

interface Endpoint {
  id: string;
  url: string;
}

async function ownerKey(t: TestAppHandle): Promise<TestKey> {
  return t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: await t.newAdmin('owner') });
}

/** This machine's own name, resolved by the system resolver (/etc/hosts, DNS): never a public address. */
async function hostResolvingToPrivate(): Promise<string> {
  const name = hostname();
  const addresses = await lookup(name, { all: true });
  expect(addresses.length).toBeGreaterThan(0);
  for (const { address } of addresses) expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
  return name;
}

describe('webhook endpoints refused at registration (the default policy) [API7:2023]', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' } });
  let key: TestKey;
  beforeAll(async () => {
    key = await ownerKey(t);
  });
  const register = (url: string) =>
    t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: key.headers, payload: { url, eventTypes: ['*'] } });
  const expectRefused = async (url: string, rule: string) => {
    const response = await register(url);
    const problem = expectProblem(response, 422, 'ENDPOINT_URL_REFUSED');
    expect([url, problem.errors]).toEqual([url, [{ field: 'url', messages: [rule] }]]);
    // The refusal names the rule, never the URL (nor, but for the rule "localhost", its host).
    const host = new URL(url).hostname;
    expect([url, response.body.includes(url), host !== 'localhost' && response.body.includes(host)]).toEqual([url, false, false]);
  };

  it('refuses every notation of 127.0.0.1 as the address it is', async () => {
    for (const url of [
      'http://127.0.0.1/hook',
      'http://0x7f.1/hook',
      'http://2130706433/hook',
      'http://0177.0.0.1/hook',
      'http://１２７.０.０.１/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::1]/hook',
      'https://[64:ff9b::7f00:1]/hook',
      'https://[2002:7f00:1::]/hook',
    ]) {
      await expectRefused(url, 'address_forbidden');
    }
  });

  it('refuses cloud metadata, private, CGNAT and unique-local addresses', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://10.0.0.1/hook',
      'https://10.255.255.254/hook',
      'https://100.64.0.1/hook',
      'https://100.127.255.254/hook',
      'https://172.16.0.1/hook',
      'https://192.168.0.1/hook',
      'https://[fc00::1]/hook',
    ]) {
      await expectRefused(url, 'address_forbidden');
    }
  });

  it('refuses localhost by name, and a hostname that resolves to a private address once resolved', async () => {
    await expectRefused('http://localhost/hook', 'host_not_allowed');
    await expectRefused(`http://${await hostResolvingToPrivate()}/hook`, 'address_forbidden');
  });

  it('stores nothing refused, and refuses an internal URL on update, keeping the one it had', async () => {
    const { rows } = await t.superuser.query(`SELECT url FROM webhook_endpoints`);
    expect(rows).toEqual([]);
    const created = await register(PUBLIC_URL);
    expect(created.statusCode).toBe(201);
    const endpoint = created.json<Endpoint>();
    const updated = await t.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${endpoint.id}`,
      headers: key.headers,
      payload: { url: 'http://0x7f.1/hook' },
    });
    expectProblem(updated, 422, 'ENDPOINT_URL_REFUSED');
    const { rows: kept } = await t.superuser.query(`SELECT url FROM webhook_endpoints`);
    expect(kept).toEqual([{ url: PUBLIC_URL }]);
  });
});

describe('a webhook endpoint whose URL turns internal after registration (the default policy) [API7:2023]', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  // The sink's port is allowed, so that what refuses it is its address; loopback is not.
  const withSinkPort = (config: AppConfig): AppConfig => ({
    ...config,
    webhooks: { ...config.webhooks, endpointPolicy: { ...config.webhooks.endpointPolicy, allowedPorts: [sink.port] } },
  });
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api' }, configure: withSinkPort });
  let key: TestKey;
  beforeAll(async () => {
    key = await ownerKey(t);
  });

  it('refuses each attempt before connecting: the attempt is refused:<rule>, and nothing reaches the sink', async () => {
    expect(t.app.get(WebhookDeliveryWorker)).toBeDefined();
    const port = sink.port;
    const internal: [string, string][] = [
      [`http://127.0.0.1:${port}/hook`, 'refused:address_forbidden'],
      [`http://0x7f.1:${port}/hook`, 'refused:address_forbidden'],
      [`http://2130706433:${port}/hook`, 'refused:address_forbidden'],
      [`http://[::ffff:127.0.0.1]:${port}/hook`, 'refused:address_forbidden'],
      [`http://[::1]:${port}/hook`, 'refused:address_forbidden'],
      [`http://169.254.169.254:${port}/latest/meta-data/`, 'refused:address_forbidden'],
      [`http://${await hostResolvingToPrivate()}:${port}/hook`, 'refused:address_forbidden'],
      [`http://localhost:${port}/hook`, 'refused:host_not_allowed'],
    ];
    const endpoints: { id: string; expected: string; url: string }[] = [];
    for (const [url, expected] of internal) {
      const created = await t.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: key.headers,
        payload: { url: PUBLIC_URL },
      });
      expect(created.statusCode).toBe(201);
      const endpoint = created.json<Endpoint>();
      // Behind the API's back: the row now names an internal address.
      await t.superuser.query(`UPDATE webhook_endpoints SET url = $2 WHERE id = $1`, [endpoint.id, url]);
      const test = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/test`, headers: key.headers });
      expect(test.statusCode).toBe(202);
      endpoints.push({ id: endpoint.id, expected, url });
    }

    const pass = await t.app.get(WebhookDeliveryWorker).deliverDue();
    expect(pass).toMatchObject({ delivered: 0, retried: internal.length, failed: 0 });
    expect(sink.received).toEqual([]);
    for (const { id, expected, url } of endpoints) {
      const { rows } = await t.superuser.query(
        `SELECT d.status, d.last_error, a.error_class, a.status_code, a.response_body
           FROM webhook_deliveries d JOIN webhook_delivery_attempts a ON a.delivery_id = d.id WHERE d.endpoint_id = $1`,
        [id],
      );
      expect([url, rows]).toEqual([
        url,
        [{ status: 'pending', last_error: expected, error_class: expected, status_code: null, response_body: null }],
      ]);
    }
  });
});

describe('webhook attempts against hostile loopback sinks', () => {
  let sink: WebhookSink;
  let inner: WebhookSink;
  beforeAll(async () => {
    [sink, inner] = await Promise.all([startWebhookSink(), startWebhookSink()]);
  });
  afterAll(() => Promise.all([sink.close(), inner.close()]));
  const loopback = loopbackSinksOn(() => [sink.port, inner.port]);
  const t = useTestApp({
    env: { RINGFENCE_ROLE: 'api' },
    configure: (config) => {
      const allowed = loopback(config);
      return { ...allowed, webhooks: { ...allowed.webhooks, timeouts: { connectMs: 1000, totalMs: 1000 } } };
    },
  });
  let key: TestKey;
  beforeAll(async () => {
    key = await ownerKey(t);
  });

  /** An endpoint at `path` of the sink with one test delivery, attempted once; its attempt. */
  const attemptAt = async (path: string) => {
    const created = await t.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: key.headers,
      payload: { url: sink.url(path) },
    });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json<Endpoint>();
    expect((await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/test`, headers: key.headers })).statusCode).toBe(
      202,
    );
    await t.app.get(WebhookDeliveryWorker).deliverDue();
    const { rows } = await t.superuser.query<{
      status: string;
      last_error: string | null;
      error_class: string | null;
      status_code: number | null;
      body_bytes: number | null;
      truncated: boolean;
    }>(
      `SELECT d.status, d.last_error, a.error_class, a.status_code, octet_length(a.response_body) AS body_bytes, a.truncated
         FROM webhook_deliveries d JOIN webhook_delivery_attempts a ON a.delivery_id = d.id WHERE d.endpoint_id = $1`,
      [endpoint.id],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  it('gives up on a sink that never answers at the total timeout, as a failed attempt to retry', async () => {
    const held: ServerResponse[] = [];
    sink.respond((_request, response) => void held.push(response));
    try {
      expect(await attemptAt('/hangs')).toEqual({
        status: 'pending',
        last_error: 'timeout',
        error_class: 'timeout',
        status_code: null,
        body_bytes: null,
        truncated: false,
      });
      expect(sink.received.filter((request) => request.path === '/hangs')).toHaveLength(1);
    } finally {
      for (const response of held) response.destroy();
    }
  });

  it('never follows a redirect to an internal address [V15.3.2 API7:2023 API10:2023]', async () => {
    sink.respond((_request, response) => {
      response.writeHead(302, { location: inner.url('/metadata') });
      response.end();
    });
    expect(await attemptAt('/redirects')).toMatchObject({ status: 'pending', error_class: 'redirect', status_code: 302 });
    sink.respond((_request, response) => {
      response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
      response.end();
    });
    expect(await attemptAt('/redirects-to-metadata')).toMatchObject({ status: 'pending', error_class: 'redirect', status_code: 307 });
    expect(inner.received).toEqual([]);
  });

  it('reads 64 KiB of a 100 MB answer, stores them flagged truncated, and stops the sink sending the rest [API10:2023]', async () => {
    const HUNDRED_MB = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let written = 0;
    let stopped!: () => void;
    const sinkStopped = new Promise<void>((resolve) => (stopped = resolve));
    sink.respond((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(HUNDRED_MB) });
      const more = (): void => {
        while (written < HUNDRED_MB && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
      };
      response.on('close', () => stopped());
      more();
    });
    expect(await attemptAt('/huge')).toEqual({
      status: 'done',
      last_error: null,
      error_class: null,
      status_code: 200,
      body_bytes: 64 * 1024,
      truncated: true,
    });
    await sinkStopped;
    expect(written).toBeLessThan(HUNDRED_MB);
  });
});
