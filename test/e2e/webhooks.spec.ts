import { randomBytes } from 'node:crypto';
import { DomainEvents, jobPrincipal, JobRegistry, UnitOfWork } from '@ringfence/tenancy';
import { until } from '../support/until';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import type { TestAdmin } from '../support/admin-session';
import type { TestKey } from '../support/api-key';
import { expectProblem } from '../support/assertions';
import { activatePolicy, ethPolicy } from '../support/cosigner';
import { useTestApp } from '../support/use-test-app';
import { answer, loopbackSinks, startWebhookSink, verifiedBy, WebhookSink } from '../support/webhook-sink';

interface Endpoint {
  id: string;
  url: string;
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  secretVersion: number;
}

/**
 * Outbound webhooks end to end: endpoints with a secret shown once, events fanned out in
 * the transaction of their change, signed deliveries that the `standardwebhooks` library
 * verifies, retries on the schedule, Retry-After, 410, replay, recovery and rotation.
 */
describe('outbound webhooks', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const t = useTestApp({
    // An api instance runs no cluster job: the spec runs the delivery worker itself, when it means to.
    env: { LOG_LEVEL: 'trace', RINGFENCE_ROLE: 'api' },
    configure: (config) => loopbackSinks(config, [sink.port]),
  });
  let admin: TestAdmin;
  let key: TestKey;
  let reader: TestKey;
  let testKey: TestKey;
  const secrets: string[] = [];

  beforeAll(async () => {
    admin = await t.newAdmin('owner');
    key = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write', 'policies:read', 'policies:write'], by: admin });
    reader = await t.newKey({ workspace: key.workspaceId, scopes: ['webhooks:read'], by: admin });
    testKey = await t.newKey({ workspace: key.workspaceId, scopes: ['webhooks:read', 'webhooks:write'], environment: 'test', by: admin });
  });
  beforeEach(() => {
    sink.received.length = 0;
    sink.respond(answer(200, 'ok'));
  });

  const send = (as: TestKey, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: as.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const createEndpoint = async (body: Record<string, unknown> = {}, as: TestKey = key): Promise<Endpoint> => {
    const response = await send(as, 'POST', '/v1/webhooks/endpoints', { url: sink.url(), ...body });
    expect(response.statusCode).toBe(201);
    const endpoint = response.json<Endpoint>();
    secrets.push(endpoint.secret);
    return endpoint;
  };
  const worker = () => t.app.get(WebhookDeliveryWorker);
  const deliveries = async (endpointId: string) =>
    (
      await t.superuser.query<{
        id: string;
        status: string;
        attempts: number;
        last_error: string | null;
        event_type: string;
        next_in: number;
      }>(
        `SELECT id, status, attempts, last_error, event_type, extract(epoch FROM next_attempt_at - now())::float AS next_in
           FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at, id`,
        [endpointId],
      )
    ).rows;
  const makeDue = () => t.superuser.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`);
  const testEvent = async (endpoint: Endpoint) => {
    const response = await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
    expect(response.statusCode).toBe(202);
    return response.json<{ deliveryId: string; eventId: string }>();
  };

  it('creates an endpoint with a whsec_ secret shown once, audited without the secret [V15.3.1]', async () => {
    const response = await send(key, 'POST', '/v1/webhooks/endpoints', {
      url: sink.url(),
      description: 'ops',
      eventTypes: ['policy.activated'],
    });
    expect(response.statusCode).toBe(201);
    const created = response.json<Endpoint & { eventTypes: string[] }>();
    secrets.push(created.secret);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      url: sink.url(),
      enabled: true,
      eventTypes: ['policy.activated'],
      secretVersion: 1,
      environment: 'live',
    });
    const listed = await send(reader, 'GET', '/v1/webhooks/endpoints');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(created.secret);
    expect(listed.json<Endpoint[]>().map((endpoint) => endpoint.id)).toContain(created.id);
    const got = await send(reader, 'GET', `/v1/webhooks/endpoints/${created.id}`);
    expect(got.json()).not.toHaveProperty('secret');
    const { rows } = await t.superuser.query(
      `SELECT after::text AS after FROM audit_log WHERE action = 'webhook_endpoint.create' AND target_id = $1`,
      [created.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].after).not.toContain(created.secret);
    expect(rows[0].after).toContain('"origin"');
    const { rows: stored } = await t.superuser.query(`SELECT sealed_secret FROM webhook_endpoints WHERE id = $1`, [created.id]);
    expect(Buffer.from(stored[0].sealed_secret).toString('latin1')).not.toContain(created.secret.slice(6));
  });

  it('keeps the environments apart: a test key neither sees nor feeds a live endpoint', async () => {
    const live = await createEndpoint();
    expectProblem(await send(testKey, 'GET', `/v1/webhooks/endpoints/${live.id}`), 404, 'NOT_FOUND');
    expect((await send(testKey, 'GET', '/v1/webhooks/endpoints')).json<Endpoint[]>().map((e) => e.id)).not.toContain(live.id);
    expectProblem(await send(testKey, 'POST', `/v1/webhooks/endpoints/${live.id}/test`), 404, 'NOT_FOUND');
    expectProblem(await send(reader, 'POST', '/v1/webhooks/endpoints', { url: sink.url() }), 403, 'INSUFFICIENT_SCOPE');
    const other = await t.newKey({ scopes: ['webhooks:read'], by: admin });
    expectProblem(await send(other, 'GET', `/v1/webhooks/endpoints/${live.id}`), 404, 'NOT_FOUND');
  });

  it('refuses an unknown event type, and "*" beside another', async () => {
    expectProblem(
      await send(key, 'POST', '/v1/webhooks/endpoints', { url: sink.url(), eventTypes: ['transfer.exploded'] }),
      400,
      'UNKNOWN_EVENT_TYPE',
    );
    expectProblem(
      await send(key, 'POST', '/v1/webhooks/endpoints', { url: sink.url(), eventTypes: ['*', 'policy.activated'] }),
      400,
      'UNKNOWN_EVENT_TYPE',
    );
    const types = await send(reader, 'GET', '/v1/webhooks/event-types');
    expect(types.json<{ type: string }[]>().map((entry) => entry.type)).toEqual(
      expect.arrayContaining([
        'transfer.approved',
        'transfer.rejected',
        'transfer.status_changed',
        'api_key.revoked',
        'api_key.rotated',
        'workspace.suspended',
        'policy.activated',
        'vault.secret.revealed',
        'webhook.endpoint.disabled',
        'webhook.test',
      ]),
    );
  });

  it('fans a committed change out to the subscribed endpoints only, signed as the standardwebhooks library verifies [V4.1.5]', async () => {
    const subscribed = await createEndpoint({ eventTypes: ['policy.activated'], url: sink.url('/subscribed') });
    const elsewhere = await createEndpoint({ eventTypes: ['api_key.revoked'], url: sink.url('/elsewhere') });
    await activatePolicy(t, key, ethPolicy());
    expect(await deliveries(elsewhere.id)).toEqual([]);
    expect(await deliveries(subscribed.id)).toMatchObject([{ status: 'pending', event_type: 'policy.activated' }]);
    await worker().deliverDue();
    const received = sink.received.filter((request) => request.path === '/subscribed');
    expect(received).toHaveLength(1);
    const payload = verifiedBy(subscribed.secret, received[0]!) as { type: string; data: { version: number } };
    expect(payload).toMatchObject({ type: 'policy.activated', data: { environment: 'live', version: expect.any(Number) } });
    expect(received[0]!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(() => verifiedBy(elsewhere.secret, received[0]!)).toThrow();
    expect(await deliveries(subscribed.id)).toMatchObject([{ status: 'done', attempts: 1 }]);
  });

  it('emits nothing for a change that rolls back [V2.3.3]', async () => {
    const endpoint = await createEndpoint();
    const unitOfWork = t.app.get(UnitOfWork);
    const events = t.app.get(DomainEvents);
    await expect(
      unitOfWork.run(
        async () => {
          await events.record(
            { workspaceId: key.workspaceId, environment: 'live' },
            { type: 'policy.activated', payload: { version: 99 } },
          );
          expect(
            (await unitOfWork.manager.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]))[0]
              .n,
          ).toBe(1);
          throw new Error('the change fails after its event');
        },
        { principal: jobPrincipal('webhooks-spec') },
      ),
    ).rejects.toThrow('the change fails');
    expect(await deliveries(endpoint.id)).toEqual([]);
  });

  it('retries a failure on the schedule with the same webhook-id, logs each attempt, and succeeds later', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/flaky') });
    sink.respond(answer(500, 'down for maintenance'));
    const { deliveryId } = await testEvent(endpoint);
    await worker().deliverDue();
    const [first] = await deliveries(endpoint.id);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, last_error: 'http_500' });
    // The schedule's second wait: 5 s, up to 10 % more.
    expect(first!.next_in).toBeGreaterThan(3);
    expect(first!.next_in).toBeLessThanOrEqual(5.5);
    sink.respond(answer(204));
    await makeDue();
    await worker().deliverDue();
    expect(sink.received).toHaveLength(2);
    expect(sink.received[0]!.headers['webhook-id']).toBe(sink.received[1]!.headers['webhook-id']);
    for (const request of sink.received) expect(verifiedBy(endpoint.secret, request)).toMatchObject({ type: 'webhook.test' });
    const detail = await send(reader, 'GET', `/v1/webhooks/deliveries/${deliveryId}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      status: 'done',
      attempts: 2,
      messageId: sink.received[0]!.headers['webhook-id'],
      attemptLog: [
        { attempt: 1, statusCode: 500, errorClass: 'http_500', responseBody: 'down for maintenance', truncated: false },
        { attempt: 2, statusCode: 204, errorClass: null },
      ],
    });
    const page = await send(reader, 'GET', `/v1/webhooks/deliveries?endpointId=${endpoint.id}`);
    expect(page.json<{ items: { id: string; attemptLog: unknown[] }[] }>().items).toMatchObject([{ id: deliveryId, attemptLog: [{}, {}] }]);
  });

  it('honours a Retry-After longer than the schedule, within a day', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/busy') });
    sink.respond(answer(503, '', { 'retry-after': '3600' }));
    await testEvent(endpoint);
    await worker().deliverDue();
    const [delivery] = await deliveries(endpoint.id);
    expect(delivery!.next_in).toBeGreaterThan(3500);
    expect(delivery!.next_in).toBeLessThanOrEqual(3600);
    sink.respond(answer(429, '', { 'retry-after': String(30 * 24 * 3600) }));
    await makeDue();
    await worker().deliverDue();
    const [again] = await deliveries(endpoint.id);
    expect(again!.next_in).toBeLessThanOrEqual(24 * 3600);
  });

  it('treats a redirect as a failed attempt and never follows it [V15.3.2]', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/moved') });
    sink.respond((request, response) => {
      response.writeHead(request.path === '/moved' ? 307 : 200, { location: sink.url('/internal') });
      response.end();
    });
    await testEvent(endpoint);
    await worker().deliverDue();
    expect(sink.received.map((request) => request.path)).toEqual(['/moved']);
    expect(await deliveries(endpoint.id)).toMatchObject([{ status: 'pending', last_error: 'redirect' }]);
  });

  it('disables an endpoint that answers 410 Gone, audits it and announces it to the other endpoints', async () => {
    const watcher = await createEndpoint({ url: sink.url('/watcher'), eventTypes: ['webhook.endpoint.disabled'] });
    const gone = await createEndpoint({ url: sink.url('/gone') });
    sink.respond((request, response) => {
      response.writeHead(request.path === '/gone' ? 410 : 200);
      response.end();
    });
    await testEvent(gone);
    await worker().deliverDue();
    // Its own announcement reaches it failed: it is disabled (recoverable once enabled).
    expect(await deliveries(gone.id)).toMatchObject([
      { event_type: 'webhook.test', status: 'failed', last_error: 'http_410' },
      { event_type: 'webhook.endpoint.disabled', status: 'failed', last_error: 'endpoint_disabled' },
    ]);
    const after = (await send(reader, 'GET', `/v1/webhooks/endpoints/${gone.id}`)).json<Endpoint>();
    expect(after).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const { rows } = await t.superuser.query(
      `SELECT actor_type, reason FROM audit_log WHERE action = 'webhook_endpoint.disable' AND target_id = $1`,
      [gone.id],
    );
    expect(rows).toEqual([{ actor_type: 'system', reason: 'gone' }]);
    await worker().deliverDue();
    const announced = sink.received.filter((request) => request.path === '/watcher');
    expect(announced).toHaveLength(1);
    expect(verifiedBy(watcher.secret, announced[0]!)).toMatchObject({
      type: 'webhook.endpoint.disabled',
      data: { endpointId: gone.id, reason: 'gone' },
    });
    expectProblem(await send(key, 'POST', `/v1/webhooks/endpoints/${gone.id}/test`), 409, 'ENDPOINT_DISABLED');
  });

  it('disables an endpoint failing with no success for five days', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/failing') });
    sink.respond(answer(500));
    await testEvent(endpoint);
    await t.superuser.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [endpoint.id]);
    await worker().deliverDue();
    expect((await send(reader, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json()).toMatchObject({
      enabled: false,
      disabledReason: 'failing',
    });
  });

  it('replays a finished delivery as a new one with the same webhook-id, and refuses one still pending', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/replayed') });
    const { deliveryId } = await testEvent(endpoint);
    expectProblem(await send(key, 'POST', `/v1/webhooks/deliveries/${deliveryId}/replay`), 409, 'DELIVERY_PENDING');
    await worker().deliverDue();
    const replayed = await send(key, 'POST', `/v1/webhooks/deliveries/${deliveryId}/replay`);
    expect(replayed.statusCode).toBe(201);
    expect(replayed.json()).toMatchObject({ replayOf: deliveryId, status: 'pending' });
    await worker().deliverDue();
    const received = sink.received.filter((request) => request.path === '/replayed');
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    expectProblem(await send(reader, 'POST', `/v1/webhooks/deliveries/${deliveryId}/replay`), 403, 'INSUFFICIENT_SCOPE');
    const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'webhook_delivery.replay'`);
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('fails what arrives while an endpoint is disabled, and recovers it once enabled again', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/paused'), eventTypes: ['policy.activated'] });
    expect((await send(key, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: false })).json()).toMatchObject({
      enabled: false,
      disabledReason: 'manual',
    });
    const since = new Date(Date.now() - 60_000).toISOString();
    await activatePolicy(t, key, ethPolicy('5'));
    expect(await deliveries(endpoint.id)).toMatchObject([{ status: 'failed', last_error: 'endpoint_disabled' }]);
    expectProblem(await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since }), 409, 'ENDPOINT_DISABLED');
    await send(key, 'PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { enabled: true });
    const recovered = await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since });
    expect(recovered.statusCode).toBe(202);
    expect(recovered.json()).toEqual({ queued: 1 });
    // Recovering again queues nothing more: the failure has been sent again already.
    expect((await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since })).json()).toEqual({ queued: 0 });
    await worker().deliverDue();
    const received = sink.received.filter((request) => request.path === '/paused');
    expect(received).toHaveLength(1);
    expect(verifiedBy(endpoint.secret, received[0]!)).toMatchObject({ type: 'policy.activated' });
  });

  it('rotates the secret: both sign during the grace, only the new one after a rotation with none', async () => {
    const endpoint = await createEndpoint({ url: sink.url('/rotated') });
    const rotated = await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, {});
    expect(rotated.statusCode).toBe(200);
    const { secret, secretVersion, previousSecretExpiresAt } = rotated.json<Endpoint & { previousSecretExpiresAt: string }>();
    secrets.push(secret);
    expect(secret).not.toBe(endpoint.secret);
    expect(secretVersion).toBe(2);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await testEvent(endpoint);
    await worker().deliverDue();
    const [request] = sink.received;
    expect(request!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifiedBy(secret, request!)).toMatchObject({ type: 'webhook.test' });
    expect(verifiedBy(endpoint.secret, request!)).toMatchObject({ type: 'webhook.test' });

    const again = await send(key, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, { graceHours: 0 });
    const newest = again.json<Endpoint>().secret;
    secrets.push(newest);
    sink.received.length = 0;
    await testEvent(endpoint);
    await worker().deliverDue();
    expect(sink.received[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifiedBy(newest, sink.received[0]!)).toMatchObject({ type: 'webhook.test' });
    expect(() => verifiedBy(secret, sink.received[0]!)).toThrow();
  });

  it('deletes an endpoint with its deliveries', async () => {
    const endpoint = await createEndpoint();
    await testEvent(endpoint);
    expect((await send(key, 'DELETE', `/v1/webhooks/endpoints/${endpoint.id}`)).statusCode).toBe(204);
    expect(await deliveries(endpoint.id)).toEqual([]);
    expectProblem(await send(key, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`), 404, 'NOT_FOUND');
  });

  it('announces a key revocation and rotation, a vault reveal and a suspension, each in its environment', async () => {
    const owner = await t.newKey({ scopes: ['webhooks:read', 'webhooks:write', 'vault:write', 'vault:reveal'], by: admin });
    const endpoint = await createEndpoint({ url: sink.url('/announced') }, owner);
    const testSide = await t.newKey({ workspace: owner.workspaceId, scopes: ['webhooks:write'], environment: 'test', by: admin });
    const testEndpoint = await createEndpoint({ url: sink.url('/announced-test') }, testSide);
    const doomed = await t.newKey({ workspace: owner.workspaceId, scopes: ['vault:read'], by: admin });
    const rotated = await t.newKey({ workspace: owner.workspaceId, scopes: ['vault:read'], by: admin });
    const base = `/v1/admin/workspaces/${owner.workspaceId}`;
    expect((await t.app.inject({ method: 'DELETE', url: `${base}/api-keys/${doomed.id}`, headers: admin.headers })).statusCode).toBe(204);
    const rotation = await t.app.inject({
      method: 'POST',
      url: `${base}/api-keys/${rotated.id}/rotate`,
      headers: admin.headers,
      payload: { gracePeriodSeconds: 60 },
    });
    expect(rotation.statusCode).toBe(201);
    const value = `value-${randomBytes(18).toString('base64url')}`;
    secrets.push(value);
    expect((await send(owner, 'POST', '/v1/vault/secrets', { name: 'announced', value })).statusCode).toBe(201);
    expect((await send(owner, 'POST', '/v1/vault/secrets/announced/reveal', {})).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `${base}/suspend`, headers: admin.headers })).statusCode).toBe(200);
    await worker().deliverDue();
    const bodies = (path: string) =>
      sink.received
        .filter((request) => request.path === path)
        .map(
          (request) =>
            verifiedBy(path === '/announced' ? endpoint.secret : testEndpoint.secret, request) as {
              type: string;
              data: Record<string, unknown>;
            },
        );
    const live = bodies('/announced');
    expect(live.map((body) => body.type).sort()).toEqual([
      'api_key.revoked',
      'api_key.rotated',
      'vault.secret.revealed',
      'workspace.suspended',
    ]);
    expect(live.find((body) => body.type === 'api_key.revoked')!.data).toMatchObject({ keyId: doomed.id, prefix: `rf_live_${doomed.id}` });
    expect(live.find((body) => body.type === 'api_key.rotated')!.data).toMatchObject({
      keyId: rotated.id,
      newKeyId: rotation.json<{ id: string }>().id,
    });
    expect(live.find((body) => body.type === 'vault.secret.revealed')!.data).toMatchObject({ name: 'announced', version: 1 });
    expect(JSON.stringify(live)).not.toContain(value);
    expect(JSON.stringify(live)).not.toContain(doomed.key);
    expect(bodies('/announced-test').map((body) => body.type)).toEqual(['workspace.suspended']);
  });

  it('never writes a secret to a log line', () => {
    const logs = t.rawLogs();
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice(6));
    }
  });
});

describe('outbound webhooks on an instance that delivers (RINGFENCE_ROLE=all)', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const t = useTestApp({ configure: (config) => loopbackSinks(config, [sink.port]) });

  it('nudges the delivery job as an event’s transaction commits (not for one that rolls back), and delivers it', async () => {
    const admin = await t.newAdmin('owner');
    const key = await t.newKey({ scopes: ['webhooks:write'], by: admin });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: key.headers,
      payload: { url: sink.url() },
    });
    const { id, secret } = created.json<{ id: string; secret: string }>();
    const nudge = jest.spyOn(t.app.get(JobRegistry), 'nudge');
    try {
      const unitOfWork = t.app.get(UnitOfWork);
      await expect(
        unitOfWork.run(
          async () => {
            await t.app
              .get(DomainEvents)
              .record({ workspaceId: key.workspaceId, environment: 'live' }, { type: 'policy.activated', payload: {} });
            throw new Error('rolled back');
          },
          { principal: jobPrincipal('webhooks-spec') },
        ),
      ).rejects.toThrow('rolled back');
      expect(nudge).not.toHaveBeenCalledWith('webhook-delivery');
      expect((await t.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/test`, headers: key.headers })).statusCode).toBe(202);
      expect(nudge).toHaveBeenCalledWith('webhook-delivery');
    } finally {
      nudge.mockRestore();
    }
    await until(
      'the delivery',
      () => sink.received.length,
      (count) => count > 0,
    );
    expect(verifiedBy(secret, sink.received[0]!)).toMatchObject({ type: 'webhook.test' });
  });
});
