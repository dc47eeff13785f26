import { hostname } from 'node:os';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import type { TestAdmin } from '../support/admin-session';
import type { TestKey } from '../support/api-key';
import { expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';
import { answer, loopbackSinks, startWebhookSink, WebhookSink } from '../support/webhook-sink';

/** Loopback sinks allowed (as in webhooks.spec.ts), for the blocks that need a sink to answer. */
interface Endpoint {
  id: string;
  url: string;
  secret: string;
  enabled: boolean;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Outbound webhooks under attack (a penetration test's findings, each pinned): SSRF with the
 * default policy (no loopback), tenants and environments kept apart, scopes and admin roles,
 * hostile answers from a tenant's own endpoint that must never hold back anyone else's
 * deliveries, and hostile inputs that must answer 4xx, never 500.
 */
describe('outbound webhooks under attack', () => {
  describe('SSRF with the default policy (no loopback)', () => {
    let sink: WebhookSink;
    beforeAll(async () => {
      sink = await startWebhookSink();
    });
    afterAll(() => sink.close());
    const t = useTestApp({
      // An api instance: no delivery turn of the job's own races the spec's.
      env: { RINGFENCE_ROLE: 'api' },
      configure: (config) => ({
        ...config,
        webhooks: { ...config.webhooks, endpointPolicy: { ...config.webhooks.endpointPolicy, allowedPorts: [sink.port] } },
      }),
    });
    let key: TestKey;
    beforeAll(async () => {
      const admin = await t.newAdmin('owner');
      key = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: admin });
    });
    const send = (method: Method, url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url,
        headers: key.headers,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    it('answers a host that resolves to an internal address as one that does not resolve: no map of the internal names', async () => {
      // This machine's own name resolves to a loopback address (`localhost` is refused by name, before any lookup).
      const internal = await send('POST', '/v1/webhooks/endpoints', { url: `http://${hostname()}:${sink.port}/hook` });
      const nowhere = await send('POST', '/v1/webhooks/endpoints', { url: `http://nothing-here.invalid:${sink.port}/hook` });
      expect(internal.statusCode).toBe(422);
      const answer = (response: typeof internal) => {
        const { requestId: _requestId, ...rest } = response.json<Record<string, unknown>>();
        return rest;
      };
      expect(answer(nowhere)).toEqual(answer(internal));
    });

    it('refuses every internal address form at registration, naming the rule and never echoing the URL', async () => {
      const port = sink.port;
      const internal = [
        `http://127.0.0.1:${port}/hook`,
        `http://127.1:${port}/`,
        `http://0x7f.1:${port}/`,
        `http://2130706433:${port}/`,
        `http://0177.0.0.1:${port}/`,
        `http://%31%32%37.0.0.1:${port}/`,
        `http://１２７.０.０.１:${port}/`,
        `http://127.0.0.1.:${port}/`,
        `http://0:${port}/`,
        `http://0.0.0.0:${port}/`,
        `http://[::1]:${port}/`,
        `http://[::]:${port}/`,
        `http://[::ffff:127.0.0.1]:${port}/`,
        `http://[::ffff:7f00:1]:${port}/`,
        `http://[::ffff:0:7f00:1]:${port}/`,
        `http://[::127.0.0.1]:${port}/`,
        `http://[64:ff9b::7f00:1]:${port}/`,
        `http://[2002:7f00:1::]:${port}/`,
        `http://[fe80::1%25lo]:${port}/`,
        `http://[fd00:ec2::254]/`,
        `http://169.254.169.254/latest/meta-data/`,
        `http://[::ffff:169.254.169.254]/`,
        `http://100.100.100.200/`,
        `http://10.0.0.1/`,
        `http://172.16.0.1/`,
        `http://192.168.0.1/`,
        `http://100.64.0.1/`,
        `http://198.18.0.1/`,
        `http://224.0.0.1/`,
        `http://255.255.255.255/`,
        `http://localhost:${port}/`,
        `http://LOCALHOST.:${port}/`,
        `http://localhost%2e:${port}/`,
        `http://ⓛocalhost:${port}/`,
        `http://a.localhost:${port}/`,
        `http://${hostname()}:${port}/`,
        // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
        `http://user:pass@1.1.1.1/`,
        `http://1.1.1.1:443@127.0.0.1:${port}/`,
        `http://1.1.1.1:22/`,
        `http://1.1.1.1/#x`,
        `http://1.1.1.1/#`,
        `gopher://1.1.1.1/`,
        `file:///etc/passwd`,
        `//1.1.1.1/`,
      ];
      for (const url of internal) {
        const response = await send('POST', '/v1/webhooks/endpoints', { url });
        expect({ url, status: response.statusCode }).toEqual({ url, status: 422 });
        expect(response.json<{ code: string }>().code).toBe('ENDPOINT_URL_REFUSED');
        expect(response.body).not.toContain(url);
      }
      expect(sink.received).toHaveLength(0);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM webhook_endpoints`);
      expect(rows[0].n).toBe(0);
    });

    it('refuses a PATCH that moves an endpoint to an internal address, and leaves its URL as it was', async () => {
      const created = await send('POST', '/v1/webhooks/endpoints', { url: 'https://1.1.1.1/hook' });
      expect(created.statusCode).toBe(201);
      const { id } = created.json<Endpoint>();
      for (const url of [`http://127.0.0.1:${sink.port}/`, `http://[::ffff:127.0.0.1]:${sink.port}/`, 'http://169.254.169.254/']) {
        expectProblem(await send('PATCH', `/v1/webhooks/endpoints/${id}`, { url }), 422, 'ENDPOINT_URL_REFUSED');
      }
      expect((await send('GET', `/v1/webhooks/endpoints/${id}`)).json<Endpoint>().url).toBe('https://1.1.1.1/hook');
      await send('DELETE', `/v1/webhooks/endpoints/${id}`);
    });

    it('checks again at delivery: a stored URL that now points inside (rebinding, an old row) sends nothing', async () => {
      const created = await send('POST', '/v1/webhooks/endpoints', { url: 'https://1.1.1.1/hook' });
      const { id } = created.json<Endpoint>();
      // As if a name resolved to a public address at registration and to loopback now.
      for (const url of [`http://127.0.0.1:${sink.port}/`, `http://localhost:${sink.port}/`, `http://[::ffff:127.0.0.1]:${sink.port}/`]) {
        await t.superuser.query(`UPDATE webhook_endpoints SET url = $2 WHERE id = $1`, [id, url]);
        await t.superuser.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`);
        expect((await send('POST', `/v1/webhooks/endpoints/${id}/test`)).statusCode).toBe(202);
        await t.app.get(WebhookDeliveryWorker).deliverDue();
      }
      expect(sink.received).toHaveLength(0);
      const { rows } = await t.superuser.query<{ error_class: string }>(
        `SELECT a.error_class FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`,
        [id],
      );
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const row of rows) expect(row.error_class).toMatch(/^refused:/);
    });
  });

  describe('tenants, environments, scopes and roles', () => {
    let sink: WebhookSink;
    beforeAll(async () => {
      sink = await startWebhookSink();
    });
    afterAll(() => sink.close());
    const t = useTestApp({
      // An api instance: no delivery turn of the job's own races the spec's.
      env: { RINGFENCE_ROLE: 'api' },
      configure: (config) => loopbackSinks(config, [sink.port]),
    });
    let owner: TestAdmin;
    let auditor: TestAdmin;
    let a: TestKey;
    let aTest: TestKey;
    let aReader: TestKey;
    let b: TestKey;
    beforeAll(async () => {
      owner = await t.newAdmin('owner');
      auditor = await t.newAdmin('auditor');
      a = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: owner });
      aTest = await t.newKey({ workspace: a.workspaceId, environment: 'test', scopes: ['webhooks:read', 'webhooks:write'], by: owner });
      aReader = await t.newKey({ workspace: a.workspaceId, scopes: ['webhooks:read'], by: owner });
      b = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: owner });
    });
    beforeEach(() => {
      sink.received.length = 0;
      sink.respond(answer(200, 'ok'));
    });
    const send = (as: { headers: Record<string, string> }, method: Method, url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: as.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

    it("never lets a key read, change, test, rotate, replay or recover another workspace's or environment's endpoints and deliveries [V8.2.2 V8.4.1 API1:2023]", async () => {
      const created = await send(a, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/a') });
      expect(created.statusCode).toBe(201);
      const endpoint = created.json<Endpoint>();
      const tested = await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      const { deliveryId } = tested.json<{ deliveryId: string }>();
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      expect(sink.received).toHaveLength(1);
      sink.received.length = 0;

      for (const other of [b, aTest]) {
        const attempts: [Method, string, unknown?][] = [
          ['GET', `/v1/webhooks/endpoints/${endpoint.id}`],
          ['PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { url: sink.url('/stolen') }],
          ['DELETE', `/v1/webhooks/endpoints/${endpoint.id}`],
          ['POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, {}],
          ['POST', `/v1/webhooks/endpoints/${endpoint.id}/test`],
          ['POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since: new Date(Date.now() - 3600_000).toISOString() }],
          ['GET', `/v1/webhooks/deliveries/${deliveryId}`],
          ['POST', `/v1/webhooks/deliveries/${deliveryId}/replay`],
        ];
        for (const [method, url, body] of attempts) {
          const response = await send(other, method, url, body);
          expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 404 });
          expect(response.body).not.toContain(endpoint.secret);
        }
        const listed = await send(other, 'GET', `/v1/webhooks/deliveries?endpointId=${endpoint.id}`);
        expect(listed.json<{ items: unknown[] }>().items).toHaveLength(0);
        expect((await send(other, 'GET', '/v1/webhooks/endpoints')).json<Endpoint[]>()).toHaveLength(0);
      }
      // The other tenant's own endpoint subscribed to everything receives none of A's events.
      const theirs = await send(b, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/b') });
      expect(theirs.statusCode).toBe(201);
      await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      await send(a, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: false });
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      expect(sink.received.filter((request) => request.path === '/b')).toHaveLength(0);
      expect((await send(a, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json<Endpoint>().url).toBe(sink.url('/a'));
      await send(a, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`);
      await send(b, 'DELETE', `/v1/webhooks/endpoints/${theirs.json<Endpoint>().id}`);
    });

    it("refuses a cursor carrying another workspace's position, and a forged one, as 400, never 500", async () => {
      for (const position of [['2026-99-99 99:99:99+00', '00000000-0000-0000-0000-000000000000'], ['nonsense', 'x'], 'x']) {
        const cursor = Buffer.from(JSON.stringify(position)).toString('base64url');
        expectProblem(await send(a, 'GET', `/v1/webhooks/deliveries?cursor=${cursor}`), 400, 'VALIDATION_FAILED');
      }
    });

    it('lets webhooks:read and no key at all do no write, and the auditor role neither read nor write', async () => {
      const created = await send(a, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/a') });
      const endpoint = created.json<Endpoint>();
      const tested = await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      const { deliveryId } = tested.json<{ deliveryId: string }>();
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      const writes: [Method, string, unknown?][] = [
        ['POST', '/v1/webhooks/endpoints', { url: sink.url('/r') }],
        ['PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: false }],
        ['DELETE', `/v1/webhooks/endpoints/${endpoint.id}`],
        ['POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, {}],
        ['POST', `/v1/webhooks/endpoints/${endpoint.id}/test`],
        ['POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since: new Date(Date.now() - 3600_000).toISOString() }],
        ['POST', `/v1/webhooks/deliveries/${deliveryId}/replay`],
      ];
      for (const [method, url, body] of writes) {
        expectProblem(await send(aReader, method, url, body), 403, 'INSUFFICIENT_SCOPE');
        expect((await send({ headers: {} }, method, url, body)).statusCode).toBe(401);
      }
      const admin = `/v1/admin/workspaces/${a.workspaceId}/webhooks`;
      const adminCalls: [Method, string, unknown?][] = [
        ['GET', `${admin}/endpoints?environment=live`],
        ['POST', `${admin}/endpoints?environment=live`, { url: sink.url('/x') }],
        ['PATCH', `${admin}/endpoints/${endpoint.id}?environment=live`, { enabled: false }],
        ['DELETE', `${admin}/endpoints/${endpoint.id}?environment=live`],
        ['POST', `${admin}/endpoints/${endpoint.id}/rotate-secret?environment=live`, {}],
        ['POST', `${admin}/endpoints/${endpoint.id}/test?environment=live`],
        ['POST', `${admin}/deliveries/${deliveryId}/replay?environment=live`],
      ];
      for (const [method, url, body] of adminCalls) {
        expect({ url, status: (await send(auditor, method, url, body)).statusCode }).toEqual({ url, status: 403 });
        expect({ url, status: (await send(a, method, url, body)).statusCode }).toEqual({ url, status: 401 });
      }
      const { rows } = await t.superuser.query(`SELECT secret_version, enabled FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
      expect(rows[0]).toEqual({ secret_version: 1, enabled: true });
      await send(a, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`);
    });

    it('audits every mutation, and never writes the secret to an audit row or an answer after creation', async () => {
      const created = await send(a, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/audit?token=receiver-secret') });
      const endpoint = created.json<Endpoint>();
      const rotated = (await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, {})).json<Endpoint>();
      const { deliveryId } = (await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`)).json<{ deliveryId: string }>();
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      const replay = await send(a, 'POST', `/v1/webhooks/deliveries/${deliveryId}/replay`);
      expect(replay.statusCode).toBe(201);
      await send(a, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { description: 'x' });
      await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since: new Date(Date.now() - 3600_000).toISOString() });
      const detail = await send(a, 'GET', `/v1/webhooks/deliveries/${deliveryId}`);
      const list = await send(a, 'GET', `/v1/webhooks/deliveries`);
      for (const text of [detail.body, list.body, (await send(a, 'GET', '/v1/webhooks/endpoints')).body]) {
        expect(text).not.toContain(endpoint.secret.slice(6));
        expect(text).not.toContain(rotated.secret.slice(6));
      }
      await send(a, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`);
      const { rows } = await t.superuser.query<{ action: string; text: string }>(
        `SELECT action, coalesce(before::text, '') || coalesce(after::text, '') AS text FROM audit_log
          WHERE target_id IN ($1, $2) ORDER BY occurred_at`,
        [endpoint.id, replay.json<{ id: string }>().id],
      );
      expect(new Set(rows.map((row) => row.action))).toEqual(
        new Set([
          'webhook_endpoint.create',
          'webhook_endpoint.rotate_secret',
          'webhook_endpoint.test',
          'webhook_delivery.replay',
          'webhook_endpoint.update',
          'webhook_endpoint.recover',
          'webhook_endpoint.delete',
        ]),
      );
      for (const row of rows) {
        expect(row.text).not.toContain(endpoint.secret.slice(6));
        expect(row.text).not.toContain(rotated.secret.slice(6));
        expect(row.text).not.toContain('receiver-secret');
      }
    });

    it('sends a failed delivery again once when two recoveries of its endpoint race', async () => {
      const endpoint = (await send(a, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/race') })).json<Endpoint>();
      await send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      await send(a, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: false });
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      await send(a, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: true });
      const since = new Date(Date.now() - 3600_000).toISOString();
      // Both recoveries wait on the endpoint's row; then they run side by side.
      await t.superuser.query('BEGIN');
      await t.superuser.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [endpoint.id]);
      const both = [0, 1].map(() => send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since }));
      for (;;) {
        // This client is inside a transaction: the statistics' snapshot would stay the first one.
        await t.superuser.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await t.superuser.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM webhook_endpoints%'`,
        );
        if (rows[0]!.n >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await t.superuser.query('COMMIT');
      const answers = await Promise.all(both);
      expect(answers.map((response) => response.statusCode)).toEqual([202, 202]);
      expect(answers.map((response) => response.json<{ queued: number }>().queued).sort()).toEqual([0, 1]);
      const { rows } = await t.superuser.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND replay_of IS NOT NULL`,
        [endpoint.id],
      );
      expect(rows[0]!.n).toBe(1);
      await send(a, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`);
    });

    it('answers a test racing a disable with 202 and its delivery, never 500', async () => {
      const endpoint = (await send(a, 'POST', '/v1/webhooks/endpoints', { url: sink.url('/race-test') })).json<Endpoint>();
      const waiting = async (): Promise<number> => {
        await t.superuser.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await t.superuser.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return rows[0]!.n;
      };
      // The test request passes its look at the endpoint, then waits to append its event.
      await t.superuser.query('BEGIN');
      await t.superuser.query('LOCK TABLE domain_events IN SHARE MODE');
      const tested = send(a, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      while ((await waiting()) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
      // A disable meanwhile: it finishes, or it waits for the test's transaction.
      let disabledDone = false;
      const disabled = send(a, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: false }).finally(() => (disabledDone = true));
      while (!disabledDone && (await waiting()) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      await t.superuser.query('COMMIT');
      const [test, disable] = await Promise.all([tested, disabled]);
      expect(disable.statusCode).toBe(200);
      expect(test.statusCode).toBe(202);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE id = $1`, [
        test.json<{ deliveryId: string }>().deliveryId,
      ]);
      expect(rows[0].n).toBe(1);
      await send(a, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`);
    });

    it('answers hostile endpoint inputs with 4xx, never 500', async () => {
      const bodies: unknown[] = [
        { url: sink.url(), description: 'a\u0000b' },
        { url: sink.url(), eventTypes: Array.from({ length: 5000 }, () => 'transfer.approved') },
        { url: sink.url(), eventTypes: ['transfer.approved\u0000'] },
        { url: sink.url(), eventTypes: ['*', 'transfer.approved'] },
        { url: sink.url(), eventTypes: ['transfer.approvedx'] },
        { url: sink.url(), eventTypes: ['ｔransfer.approved'] },
        { url: sink.url(), eventTypes: [] },
        { url: sink.url(), eventTypes: 'transfer.approved' },
        { url: `${sink.url()}/${'a'.repeat(3000)}` },
        { url: `http://127.0.0.1:${sink.port}/\u0000` },
        { url: ['http://1.1.1.1/'] },
        { url: 42 },
      ];
      for (const body of bodies) {
        const response = await send(a, 'POST', '/v1/webhooks/endpoints', body);
        expect({ body, status: response.statusCode }).toEqual({ body, status: 400 });
      }
      const deep = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: { ...a.headers, 'content-type': 'application/json' },
        payload: `{"url":${JSON.stringify(sink.url())},"eventTypes":${deep}}`,
      });
      expect(response.statusCode).toBe(400);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM webhook_endpoints`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe("a tenant's hostile endpoint never holds back another tenant's deliveries", () => {
    let sink: WebhookSink;
    beforeAll(async () => {
      sink = await startWebhookSink();
    });
    afterAll(() => sink.close());
    const t = useTestApp({
      // An api instance: no delivery turn of the job's own races the spec's.
      env: { RINGFENCE_ROLE: 'api' },
      configure: (config) => loopbackSinks(config, [sink.port]),
    });
    let attacker: TestKey;
    let victim: TestKey;
    let attackerEndpoint: Endpoint;
    let victimEndpoint: Endpoint;
    beforeAll(async () => {
      const admin = await t.newAdmin('owner');
      attacker = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: admin });
      victim = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: admin });
      const create = async (key: TestKey, path: string) =>
        (
          await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: key.headers, payload: { url: sink.url(path) } })
        ).json<Endpoint>();
      attackerEndpoint = await create(attacker, '/attacker');
      victimEndpoint = await create(victim, '/victim');
    });

    /** Both tenants get a test event; the attacker's endpoint answers with `hostile`, the victim's with 200. */
    const race = async (hostile: (response: import('node:http').ServerResponse) => void) => {
      sink.received.length = 0;
      sink.respond((request, response) => (request.path === '/attacker' ? hostile(response) : answer(200, 'ok')(request, response)));
      const test = async (key: TestKey, endpoint: Endpoint) =>
        (await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/test`, headers: key.headers })).json<{
          deliveryId: string;
        }>().deliveryId;
      const attackerDelivery = await test(attacker, attackerEndpoint);
      const victimDelivery = await test(victim, victimEndpoint);
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      const { rows } = await t.superuser.query<{ id: string; status: string; attempts: number; claimed: boolean; logged: number }>(
        `SELECT d.id, d.status, d.attempts, d.lease_token IS NOT NULL AS claimed,
                (SELECT count(*)::int FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id) AS logged
           FROM webhook_deliveries d WHERE d.id IN ($1, $2)`,
        [attackerDelivery, victimDelivery],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return { attacker: byId.get(attackerDelivery)!, victim: byId.get(victimDelivery)! };
    };

    it('records a status code outside 100–599 as a failed attempt, and the batch beside it', async () => {
      for (const status of [999, 600, 99]) {
        const { attacker: mine, victim: theirs } = await race((response) => {
          // Node's server refuses to write such a status; the socket is ours.
          response.socket!.end(`HTTP/1.1 ${status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno`);
        });
        expect(theirs).toMatchObject({ status: 'done', claimed: false, logged: 1 });
        expect(mine).toMatchObject({ status: 'pending', claimed: false, logged: 1 });
      }
    });

    it('stores an answer of NUL bytes (64 KiB of them) cut to fit, and records the batch beside it', async () => {
      for (const body of [
        Buffer.alloc(64 * 1024, 0),
        Buffer.alloc(200 * 1024, 0),
        Buffer.concat([Buffer.alloc(65535, 0x61), Buffer.from([0])]),
      ]) {
        const { attacker: mine, victim: theirs } = await race((response) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(body);
        });
        expect(theirs).toMatchObject({ status: 'done', claimed: false, logged: 1 });
        expect(mine).toMatchObject({ status: 'pending', claimed: false, logged: 1 });
      }
      const { rows } = await t.superuser.query<{ n: number }>(
        `SELECT max(octet_length(response_body))::int AS n FROM webhook_delivery_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`,
        [attackerEndpoint.id],
      );
      expect(rows[0]!.n).toBeLessThanOrEqual(65536);
    });

    it('records the batch beside a delivery whose endpoint its tenant deleted mid-flight, and logs no attempt for it', async () => {
      const doomed = (
        await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: attacker.headers, payload: { url: sink.url('/doomed') } })
      ).json<Endpoint>();
      sink.received.length = 0;
      sink.respond((request, response) => {
        if (request.path !== '/doomed') return answer(200, 'ok')(request, response);
        void t.superuser.query('DELETE FROM webhook_endpoints WHERE id = $1', [doomed.id]).then(() => answer(200, 'ok')(request, response));
      });
      const tested = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${doomed.id}/test`, headers: attacker.headers });
      const victimTest = await t.inject({
        method: 'POST',
        url: `/v1/webhooks/endpoints/${victimEndpoint.id}/test`,
        headers: victim.headers,
      });
      const pass = await t.app.get(WebhookDeliveryWorker).deliverDue();
      expect(pass.leaseLost).toBe(1);
      const { rows } = await t.superuser.query(
        `SELECT d.id, d.status, (SELECT count(*)::int FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id) AS logged
           FROM webhook_deliveries d WHERE d.id IN ($1, $2)`,
        [tested.json<{ deliveryId: string }>().deliveryId, victimTest.json<{ deliveryId: string }>().deliveryId],
      );
      expect(rows).toEqual([{ id: victimTest.json<{ deliveryId: string }>().deliveryId, status: 'done', logged: 1 }]);
    });

    it('stores invalid UTF-8, huge headers and a broken answer as attempts, and the batch beside them', async () => {
      const hostile: ((response: import('node:http').ServerResponse) => void)[] = [
        (response) => {
          response.writeHead(500);
          response.end(Buffer.alloc(100 * 1024, 0xff));
        },
        (response) => {
          response.writeHead(500);
          response.end(Buffer.from([0xf0, 0x9f, 0x98]));
        },
        (response) => response.socket!.end(`HTTP/1.1 500 X\r\nx-big: ${'a'.repeat(200_000)}\r\n\r\n`),
        (response) => response.socket!.end('not http at all\r\n\r\n'),
        (response) => response.socket!.end(`HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab`),
        (response) =>
          response.socket!.end(`HTTP/1.1 200 OK\r\nretry-after: 99999999999999999999\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`),
        (response) => response.socket!.end(`HTTP/1.1 503 X\r\nretry-after: -1\r\ncontent-length: 0\r\n\r\n`),
      ];
      for (const respond of hostile) {
        const { attacker: mine, victim: theirs } = await race(respond);
        expect(theirs).toMatchObject({ status: 'done', claimed: false, logged: 1 });
        expect(mine).toMatchObject({ claimed: false, logged: 1 });
      }
    });
  });
});
