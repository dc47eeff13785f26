import { ChildProcess, spawn } from 'node:child_process';
import type { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import type { OutboxPass } from '@ringfence/tenancy';
import type { TestKey } from '../support/api-key';
import { TestApp } from '../support/test-app';
import { TestAppHandle, useTestApp } from '../support/use-test-app';
import { eventually, loopbackSinksOn, SinkRequest, startWebhookSink, verifiedBy, WebhookSink } from '../support/webhook-sink';

/**
 * Webhook workers under the failures issue 16 names: a worker killed mid-delivery (a real
 * process, SIGKILL), two workers on one database against 1,000 deliveries, and an endpoint
 * that hangs beside one that answers (docs/adr/0021-webhook-delivery.md: at least once, the
 * compare-and-set on the lease, fair claims with a per-endpoint limit).
 */

/** One master key for every app of a block (and the child process): they all open the endpoints' sealed secrets. */
const MASTER_KEY = randomBytes(32).toString('base64');
const REPO = join(__dirname, '..', '..');

interface Endpoint {
  id: string;
  url: string;
  secret: string;
}

/** A workspace key that manages webhooks, and endpoints made through the API. */
function webhooksOf(t: TestAppHandle) {
  let key: Promise<TestKey> | undefined;
  // One key, however many calls are made at once.
  const owner = (): Promise<TestKey> =>
    (key ??= t.newAdmin('owner').then((admin) => t.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: admin })));
  return {
    owner,
    async createEndpoint(url: string): Promise<Endpoint> {
      const as = await owner();
      const response = await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: as.headers, payload: { url } });
      expect(response.statusCode).toBe(201);
      return response.json<Endpoint>();
    },
    async testEvent(endpoint: Endpoint): Promise<string> {
      const as = await owner();
      const response = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/test`, headers: as.headers });
      expect(response.statusCode).toBe(202);
      return response.json<{ deliveryId: string }>().deliveryId;
    },
    /** `count` domain events of the key's workspace, inserted as the superuser: the fan-out trigger makes their deliveries. */
    async domainEvents(count: number): Promise<void> {
      const as = await owner();
      await t.superuser.query(
        `INSERT INTO domain_events (workspace_id, environment, type, payload)
         SELECT $1, 'live', 'policy.activated', jsonb_build_object('version', n) FROM generate_series(1, $2) AS n`,
        [as.workspaceId, count],
      );
    },
  };
}

const pendingCount = async (client: Pick<Client, 'query'>): Promise<number> =>
  (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`)).rows[0]!.n;

/** Turns of one worker until nothing is pending anywhere (another worker may still hold rows): what its job would do. */
async function drain(t: TestAppHandle, worker: WebhookDeliveryWorker): Promise<OutboxPass[]> {
  // A client of its own: two drains, and the spec's own queries, run at once.
  const client = await t.db.connect(t.db.adminUrl);
  const passes: OutboxPass[] = [];
  while ((await pendingCount(client)) > 0) {
    const pass = await worker.deliverDue();
    passes.push(pass);
    if (pass.delivered + pass.retried + pass.failed + pass.leaseLost === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return passes;
}

const total = (passes: readonly OutboxPass[], field: 'delivered' | 'retried' | 'failed' | 'leaseLost') =>
  passes.reduce((sum, pass) => sum + pass[field], 0);

describe('a webhook worker killed mid-delivery', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  // This app serves and records only: the only worker running on its own is the child.
  const t = useTestApp({
    env: { RINGFENCE_ROLE: 'api' },
    secretFiles: { 'master.v1.key': MASTER_KEY },
    configure: loopbackSinksOn(() => [sink.port]),
  });
  const webhooks = webhooksOf(t);
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('is redelivered once its lease runs out, with the same webhook-id and body; nothing is lost and both attempts count', async () => {
    const endpoint = await webhooks.createEndpoint(sink.url('/held'));
    const deliveryIds = [await webhooks.testEvent(endpoint), await webhooks.testEvent(endpoint), await webhooks.testEvent(endpoint)];
    // The sink takes each request and never answers it: the child is mid-send when it dies.
    const held: ServerResponse[] = [];
    sink.respond((_request, response) => void held.push(response));

    let output = '';
    child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'test/support/webhook-worker-process.ts',
        t.db.appUrl,
        MASTER_KEY,
        String(sink.port),
      ],
      { cwd: REPO, env: { ...process.env, TS_NODE_PROJECT: join(REPO, 'tsconfig.json') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const worker = child;
    worker.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => worker.once('exit', (_code, signal) => resolve(signal)));

    await eventually('the child worker sends the three deliveries', () => sink.received.length === 3, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; the child said: ${output}`);
    });
    expect(output).toContain('ready');
    const { rows: inFlight } = await t.superuser.query<{ status: string; attempts: number; leased: boolean }>(
      `SELECT status, attempts, claimed_until > now() AS leased FROM webhook_deliveries WHERE id = ANY($1::uuid[])`,
      [deliveryIds],
    );
    expect(inFlight).toEqual(deliveryIds.map(() => ({ status: 'pending', attempts: 1, leased: true })));

    expect(process.kill(worker.pid!, 'SIGKILL')).toBe(true);
    expect(await exited).toBe('SIGKILL');
    for (const response of held) response.destroy();
    // Nothing was recorded: the worker died between its claim and its record.
    const { rows: noAttempts } = await t.superuser.query(`SELECT 1 FROM webhook_delivery_attempts WHERE delivery_id = ANY($1::uuid[])`, [
      deliveryIds,
    ]);
    expect(noAttempts).toEqual([]);

    // Its lease runs out (60 s, shortened here), and this app's worker claims the rows again.
    sink.respond((_request, response) => {
      response.writeHead(200);
      response.end('ok');
    });
    await t.superuser.query(`UPDATE webhook_deliveries SET claimed_until = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [
      deliveryIds,
    ]);
    const pass = await t.app.get(WebhookDeliveryWorker).deliverDue();
    expect(pass).toMatchObject({ delivered: 3, retried: 0, failed: 0, leaseLost: 0 });

    expect(sink.received).toHaveLength(6);
    const byId = new Map<string, SinkRequest[]>();
    for (const request of sink.received) {
      expect(verifiedBy(endpoint.secret, request)).toMatchObject({ type: 'webhook.test' });
      const id = request.headers['webhook-id']!;
      byId.set(id, [...(byId.get(id) ?? []), request]);
    }
    expect(byId.size).toBe(3);
    for (const [, [first, second]] of byId) {
      expect(second!.body).toBe(first!.body);
    }
    // Each message once from the killed worker, once from the one that took over.
    expect(
      sink.received
        .slice(0, 3)
        .map((request) => request.headers['webhook-id'])
        .sort(),
    ).toEqual(
      sink.received
        .slice(3)
        .map((request) => request.headers['webhook-id'])
        .sort(),
    );
    const { rows: finished } = await t.superuser.query<{ status: string; attempts: number; logged: number[] }>(
      `SELECT d.status, d.attempts, array(SELECT a.attempt FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt) AS logged
         FROM webhook_deliveries d WHERE d.id = ANY($1::uuid[])`,
      [deliveryIds],
    );
    // The attempt that died is counted (a message that kills its worker cannot loop), and only the one that answered is logged.
    expect(finished).toEqual(deliveryIds.map(() => ({ status: 'done', attempts: 2, logged: [2] })));
  }, 90_000);
});

describe('two webhook workers on one database', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const options = {
    env: { RINGFENCE_ROLE: 'api' },
    secretFiles: { 'master.v1.key': MASTER_KEY },
    configure: loopbackSinksOn(() => [sink.port]),
  };
  const t = useTestApp(options);
  const webhooks = webhooksOf(t);
  let second: TestApp;
  beforeAll(async () => {
    second = await t.another(options);
  });

  it('send each of 1,000 deliveries to several endpoints exactly once, record each attempt once, and share the work', async () => {
    const endpoints = await Promise.all(Array.from({ length: 8 }, (_, n) => webhooks.createEndpoint(sink.url(`/endpoint-${n}`))));
    // 125 events, each fanned out to the 8 endpoints.
    await webhooks.domainEvents(125);
    expect(await pendingCount(t.superuser)).toBe(1000);

    const [one, two] = await Promise.all([drain(t, t.app.get(WebhookDeliveryWorker)), drain(t, second.app.get(WebhookDeliveryWorker))]);

    expect(sink.received).toHaveLength(1000);
    const seen = new Set<string>();
    for (const request of sink.received) {
      const endpoint = endpoints.find((candidate) => candidate.url === sink.url(request.path));
      expect(endpoint).toBeDefined();
      expect(verifiedBy(endpoint!.secret, request)).toMatchObject({ type: 'policy.activated' });
      seen.add(`${request.path} ${request.headers['webhook-id']}`);
    }
    expect(seen.size).toBe(1000);
    const { rows } = await t.superuser.query<{ status: string; attempts: number; deliveries: number; logged: number }>(
      `SELECT d.status, d.attempts, count(DISTINCT d.id)::int AS deliveries, count(a.*)::int AS logged
         FROM webhook_deliveries d LEFT JOIN webhook_delivery_attempts a ON a.delivery_id = d.id
        GROUP BY d.status, d.attempts`,
    );
    expect(rows).toEqual([{ status: 'done', attempts: 1, deliveries: 1000, logged: 1000 }]);

    for (const passes of [one, two]) {
      expect(total(passes, 'retried') + total(passes, 'failed') + total(passes, 'leaseLost')).toBe(0);
      // Both took part.
      expect(total(passes, 'delivered')).toBeGreaterThan(0);
    }
    expect(total(one, 'delivered') + total(two, 'delivered')).toBe(1000);
  }, 120_000);
});

describe('an endpoint that hangs beside one that answers', () => {
  const ENDPOINT_CONCURRENCY = 4;
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const options = {
    env: { RINGFENCE_ROLE: 'api', WEBHOOK_CONCURRENCY: '8', WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY) },
    secretFiles: { 'master.v1.key': MASTER_KEY },
    configure: loopbackSinksOn(() => [sink.port]),
  };
  const t = useTestApp(options);
  const webhooks = webhooksOf(t);
  let second: TestApp;
  beforeAll(async () => {
    second = await t.another(options);
  });

  const statuses = async (endpointId: string): Promise<Record<string, number>> =>
    Object.fromEntries(
      (
        await t.superuser.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`,
          [endpointId],
        )
      ).rows.map((row) => [row.status, row.n]),
    );

  it('delays none of the other endpoint’s deliveries, and never has more than its limit in flight across two workers', async () => {
    const slow = await webhooks.createEndpoint(sink.url('/slow'));
    const fast = await webhooks.createEndpoint(sink.url('/fast'));
    // The slow endpoint's deliveries are the older ones: first in line for a claim that is not fair.
    for (let n = 0; n < 12; n += 1) await webhooks.testEvent(slow);
    for (let n = 0; n < 12; n += 1) await webhooks.testEvent(fast);

    let hanging = true;
    const held: ServerResponse[] = [];
    let open = 0;
    let mostOpen = 0;
    sink.respond((request, response) => {
      if (request.path !== '/slow') {
        response.writeHead(204);
        response.end();
        return;
      }
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      response.on('close', () => void (open -= 1));
      if (hanging) held.push(response);
      else setImmediate(() => response.writeHead(200).end('ok'));
    });
    const passes = Promise.all([drain(t, t.app.get(WebhookDeliveryWorker)), drain(t, second.app.get(WebhookDeliveryWorker))]);
    const release = () => {
      hanging = false;
      for (const response of held.splice(0)) if (!response.headersSent) response.writeHead(200).end('ok');
    };
    try {
      await eventually('every delivery of the endpoint that answers is done', async () => (await statuses(fast.id)).done === 12);
      // Meanwhile the slow endpoint holds its limit in flight, none answered and none more sent.
      await eventually('the slow endpoint holds its limit in flight', () => held.length >= ENDPOINT_CONCURRENCY);
      expect(held).toHaveLength(ENDPOINT_CONCURRENCY);
      expect(await statuses(slow.id)).toEqual({ pending: 12 });
      const { rows } = await t.superuser.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND claimed_until > now()`,
        [slow.id],
      );
      expect(rows[0]!.n).toBe(ENDPOINT_CONCURRENCY);
      expect(sink.received.filter((request) => request.path === '/fast')).toHaveLength(12);
    } finally {
      // Released: the rest go through, still at most the limit at once (and a failed assertion leaves no worker running).
      release();
      await passes;
    }
    expect(await statuses(slow.id)).toEqual({ done: 12 });
    expect(sink.received.filter((request) => request.path === '/slow')).toHaveLength(12);
    expect(mostOpen).toBeLessThanOrEqual(ENDPOINT_CONCURRENCY);
    expect(mostOpen).toBe(ENDPOINT_CONCURRENCY);
  }, 90_000);
});
