import { JobRegistry } from '@ringfence/tenancy';
import type { LightMyRequestResponse } from 'fastify';
import { IDEMPOTENCY_PURGE_JOB } from '../../apps/api/src/idempotency/idempotency-keys';
import { IdempotencyProblems } from '../../apps/api/src/idempotency/idempotency.problems';
import { buildOpenApiDocument } from '../../apps/api/src/openapi/openapi-document';
import { BOUNDARY_PROBLEMS, PROBLEM_CATALOGUE } from '../../apps/api/src/problem-catalogue';
import { TestKey } from '../support/api-key';
import { expectAuditRows, expectProblem } from '../support/assertions';
import { idempotencyProbe, IdempotencyProbeModule } from '../support/idempotency-probe.module';
import { useTestApp } from '../support/use-test-app';

const WIDGETS = '/probe/idempotent/widgets';
const { IDEMPOTENCY_KEY_REQUIRED, IDEMPOTENCY_KEY_MALFORMED, IDEMPOTENCY_KEY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED } = IdempotencyProblems;

/** The Idempotency-Key semantics (IETF draft; Stripe's), on probe routes that write a row and an audit row. */
describe('idempotency keys', () => {
  const t = useTestApp({ features: [IdempotencyProbeModule] });
  let keyCount = 0;

  beforeEach(() => idempotencyProbe.reset());

  /** A live key with vault:write, of a new workspace unless given one. */
  const newKey = (options: { workspace?: string; environment?: 'live' | 'test' } = {}): Promise<TestKey> =>
    t.newKey({ scopes: ['vault:write'], ...options });
  /** A key no other test uses. */
  const freshKey = (): string => `order-${++keyCount}-${Date.now()}`;
  const post = (key: TestKey, idempotencyKey: string | undefined, payload: object = { name: 'widget' }) =>
    t.inject({
      method: 'POST',
      url: WIDGETS,
      headers: { ...key.headers, ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
      payload,
    });
  /** The rows the probe wrote for the key's workspace and environment (read as the superuser: no policy hides one). */
  const rowsOf = async (key: TestKey, environment = 'live'): Promise<number> =>
    Number(
      (
        await t.superuser.query('SELECT count(*) FROM vault_secrets WHERE workspace_id = $1 AND environment = $2', [
          key.workspaceId,
          environment,
        ])
      ).rows[0].count,
    );
  const entriesOf = async (key: TestKey): Promise<{ environment: string; key: string; status: number }[]> =>
    (
      await t.superuser.query('SELECT environment, key, status FROM idempotency_keys WHERE workspace_id = $1 ORDER BY environment, key', [
        key.workspaceId,
      ])
    ).rows;
  const expectReplayOf = (replay: LightMyRequestResponse, first: LightMyRequestResponse): void => {
    expect({
      status: replay.statusCode,
      body: replay.body,
      contentType: replay.headers['content-type'],
      location: replay.headers['location'],
      replayed: replay.headers['idempotent-replayed'],
    }).toEqual({
      status: first.statusCode,
      body: first.body,
      contentType: first.headers['content-type'],
      location: first.headers['location'],
      replayed: 'true',
    });
    // The replay is a request of its own: its own request id.
    expect(replay.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  };

  it('requires the header, refuses a malformed one naming it, and runs nothing for either [V1.2.2]', async () => {
    const key = await newKey();
    expectProblem(await post(key, undefined), 400, IDEMPOTENCY_KEY_REQUIRED.code);
    for (const malformed of ['', '""', 'x'.repeat(256), 'a b', 'a,b', 'clé']) {
      const body = expectProblem(await post(key, malformed), 400, IDEMPOTENCY_KEY_MALFORMED.code);
      expect(body.detail).toContain('Idempotency-Key');
    }
    expect(idempotencyProbe.runs).toBe(0);
    expect(await rowsOf(key)).toBe(0);
    expect(await entriesOf(key)).toEqual([]);
  });

  it('runs a new key once and replays it: the same status, body and headers, marked, with no second row nor audit row', async () => {
    const key = await newKey();
    const idempotencyKey = freshKey();
    const first = await post(key, idempotencyKey);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.headers['location']).toMatch(/^\/probe\/idempotent\/widgets\/[0-9a-f-]{36}$/);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.json()).toEqual({ id: expect.any(String), name: 'widget-1', idempotencyKey, run: 1 });

    // The same request from another client serialisation (other key order and spacing) is the same request.
    const replay = await t.inject({
      method: 'POST',
      url: WIDGETS,
      headers: { ...key.headers, 'idempotency-key': `"${idempotencyKey}"`, 'content-type': 'application/json' },
      payload: '{  "name" : "widget" }',
    });
    expectReplayOf(replay, first);
    expectReplayOf(await post(key, idempotencyKey), first);
    expect(idempotencyProbe.runs).toBe(1);
    expect(await rowsOf(key)).toBe(1);
    await expectAuditRows(t.superuser, { action: 'vault_secret.create', workspaceId: key.workspaceId }, 1);
    expect(await entriesOf(key)).toEqual([{ environment: 'live', key: idempotencyKey, status: 201 }]);
  });

  it('replays an answer without a body (204) as one', async () => {
    const key = await newKey();
    const idempotencyKey = freshKey();
    const call = () =>
      t.inject({ method: 'DELETE', url: `${WIDGETS}/quiet`, headers: { ...key.headers, 'idempotency-key': idempotencyKey } });
    const first = await call();
    expect([first.statusCode, first.body]).toEqual([204, '']);
    const replay = await call();
    expect([replay.statusCode, replay.body, replay.headers['idempotent-replayed']]).toEqual([204, '', 'true']);
    expect(idempotencyProbe.runs).toBe(1);
  });

  it('refuses the key for another request (body, route or method) with 422, running nothing', async () => {
    const key = await newKey();
    const idempotencyKey = freshKey();
    expect((await post(key, idempotencyKey)).statusCode).toBe(201);
    expectProblem(await post(key, idempotencyKey, { name: 'widget', note: 'changed' }), 422, IDEMPOTENCY_KEY_REUSED.code);
    expectProblem(await post(key, idempotencyKey, { name: 'gadget' }), 422, IDEMPOTENCY_KEY_REUSED.code);
    expectProblem(
      await t.inject({ method: 'DELETE', url: `${WIDGETS}/widget`, headers: { ...key.headers, 'idempotency-key': idempotencyKey } }),
      422,
      IDEMPOTENCY_KEY_REUSED.code,
    );
    expect(idempotencyProbe.runs).toBe(1);
    expect(await rowsOf(key)).toBe(1);
    await expectAuditRows(t.superuser, { action: 'vault_secret.create', workspaceId: key.workspaceId }, 1);
  });

  it('answers a request whose key is held by one still running with 409 at once, then replays the first one’s answer [V2.3.4]', async () => {
    const key = await newKey();
    const idempotencyKey = freshKey();
    const held = idempotencyProbe.holdUntilReleased();
    const first = post(key, idempotencyKey);
    await held.entered; // the first request has written its row and holds the key in its open transaction
    const concurrent = await post(key, idempotencyKey);
    expectProblem(concurrent, 409, IDEMPOTENCY_KEY_IN_FLIGHT.code);
    expect(concurrent.headers['retry-after']).toBe('1');
    // Whatever its body: whether it is the same request is known once the first one has finished.
    expectProblem(await post(key, idempotencyKey, { name: 'other' }), 409, IDEMPOTENCY_KEY_IN_FLIGHT.code);
    held.release();
    const answered = await first;
    expect(answered.statusCode).toBe(201);
    expectReplayOf(await post(key, idempotencyKey), answered);
    expect(idempotencyProbe.runs).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('gives each environment of a workspace its own keys: a test key never replays a live key’s entry, nor the reverse', async () => {
    const live = await newKey();
    const test = await newKey({ workspace: live.workspaceId, environment: 'test' });
    const idempotencyKey = freshKey();
    const fromLive = await post(live, idempotencyKey);
    const fromTest = await post(test, idempotencyKey);
    expect([fromLive.statusCode, fromTest.statusCode]).toEqual([201, 201]);
    expect(fromTest.headers['idempotent-replayed']).toBeUndefined();
    expect(fromTest.json<{ run: number }>().run).toBe(2);
    expectReplayOf(await post(test, idempotencyKey), fromTest);
    expectReplayOf(await post(live, idempotencyKey), fromLive);
    expect([await rowsOf(live, 'live'), await rowsOf(live, 'test')]).toEqual([1, 1]);
    expect((await entriesOf(live)).map((entry) => entry.environment)).toEqual(['live', 'test']);
  });

  it('shares the keys of one workspace and environment among its API keys, and never across workspaces', async () => {
    const first = await newKey();
    const sibling = await newKey({ workspace: first.workspaceId });
    const elsewhere = await newKey();
    const idempotencyKey = freshKey();
    const answered = await post(first, idempotencyKey);
    expectReplayOf(await post(sibling, idempotencyKey), answered);
    expectProblem(await post(sibling, idempotencyKey, { name: 'other' }), 422, IDEMPOTENCY_KEY_REUSED.code);
    const other = await post(elsewhere, idempotencyKey);
    expect([other.statusCode, other.headers['idempotent-replayed'], other.json<{ run: number }>().run]).toEqual([201, undefined, 2]);
    expect([await rowsOf(first), await rowsOf(elsewhere)]).toEqual([1, 1]);
  });

  it('stores nothing for a request that failed before its commit (a 500): the retry runs afresh', async () => {
    const key = await newKey();
    const idempotencyKey = freshKey();
    idempotencyProbe.failNext = true;
    expectProblem(await post(key, idempotencyKey), 500, 'INTERNAL');
    expect(await rowsOf(key)).toBe(0);
    expect(await entriesOf(key)).toEqual([]);
    const retry = await post(key, idempotencyKey);
    expect([retry.statusCode, retry.headers['idempotent-replayed'], retry.json<{ run: number }>().run]).toEqual([201, undefined, 2]);
    expect(await rowsOf(key)).toBe(1);
    await expectAuditRows(t.superuser, { action: 'vault_secret.create', workspaceId: key.workspaceId }, 1);
  });

  it('keeps a key at least its time to live; an expired key acts as new, and the purge job removes expired entries only', async () => {
    const key = await newKey();
    const expiring = freshKey();
    const kept = freshKey();
    const first = await post(key, expiring);
    expect((await post(key, kept)).statusCode).toBe(201);
    // Time passing: 25 hours (an entry is kept 24 by default).
    const age = (idempotencyKey: string) =>
      t.superuser.query(
        `UPDATE idempotency_keys SET created_at = created_at - interval '25 hours', expires_at = expires_at - interval '25 hours' WHERE workspace_id = $1 AND key = $2`,
        [key.workspaceId, idempotencyKey],
      );
    await age(expiring);
    const again = await post(key, expiring);
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json<{ run: number }>().run]).toEqual([201, undefined, 3]);
    expect(again.body).not.toBe(first.body);
    expectReplayOf(await post(key, expiring), again);
    expect(await rowsOf(key)).toBe(3);

    await age(expiring);
    await t.app.get(JobRegistry).runNow(IDEMPOTENCY_PURGE_JOB);
    expect(await entriesOf(key)).toEqual([{ environment: 'live', key: kept, status: 201 }]);
  });

  it('documents the header and its problems on every @Idempotent() route', () => {
    const document = buildOpenApiDocument(t.app, PROBLEM_CATALOGUE, BOUNDARY_PROBLEMS);
    const operation = document.paths[WIDGETS]!.post!;
    expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
    const codes = (status: string): string[] =>
      (operation.responses[status] as { content: Record<string, { schema: { allOf: { properties?: { code: { enum: string[] } } }[] } }> })
        .content['application/problem+json']!.schema.allOf[1]!.properties!.code.enum;
    expect([codes('400'), codes('409'), codes('422')]).toEqual([
      expect.arrayContaining([IDEMPOTENCY_KEY_REQUIRED.code, IDEMPOTENCY_KEY_MALFORMED.code]),
      [IDEMPOTENCY_KEY_IN_FLIGHT.code],
      [IDEMPOTENCY_KEY_REUSED.code],
    ]);
  });
});

/** A crash after the commit: the answer is lost on the way (the connection cut), and the retry gets it. */
describe('idempotency keys, when the answer is lost after the commit', () => {
  const t = useTestApp({ features: [IdempotencyProbeModule], listen: true });

  beforeEach(() => idempotencyProbe.reset());

  it('replays the committed answer to the retry, with one row and one audit row', async () => {
    const key = await t.newKey({ scopes: ['vault:write'] });
    const headers = { ...key.headers, 'content-type': 'application/json', 'idempotency-key': 'lost-answer-1' };
    idempotencyProbe.dropNextAnswer = true;
    await expect(fetch(new URL(WIDGETS, t.url), { method: 'POST', headers, body: JSON.stringify({ name: 'widget' }) })).rejects.toThrow();
    expect(idempotencyProbe.runs).toBe(1);

    const retry = await fetch(new URL(WIDGETS, t.url), { method: 'POST', headers, body: JSON.stringify({ name: 'widget' }) });
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(await retry.json()).toEqual({ id: expect.any(String), name: 'widget-1', idempotencyKey: 'lost-answer-1', run: 1 });
    expect(idempotencyProbe.runs).toBe(1);
    const rows = await t.superuser.query('SELECT count(*)::int AS n FROM vault_secrets WHERE workspace_id = $1', [key.workspaceId]);
    expect(rows.rows).toEqual([{ n: 1 }]);
    await expectAuditRows(t.superuser, { action: 'vault_secret.create', workspaceId: key.workspaceId }, 1);
  });
});
