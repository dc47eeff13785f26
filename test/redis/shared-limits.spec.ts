import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { RedisConnection } from '../../apps/api/src/redis/redis-connection';
import { KEY_REVOCATIONS, KeyRevocation, KeyRevocations } from '../../apps/api/src/workspaces/api-keys/key-revocations';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';
import { CuttableRelay, startTestRedis, TestRedis } from '../support/test-redis';

const PLANS = JSON.stringify({ standard: { perKeyPerMinute: 3, perWorkspacePerMinute: 100 } });

/** An IPv6 /64 of its own per call: counters in the shared Redis never meet another run's. */
const newAddress = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;

const whoAmI = (t: TestApp, headers: Record<string, string>, from = newAddress()) =>
  t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...headers, 'x-forwarded-for': from } });

/** Resolves when `t` hears a revocation that `matches`, from whichever instance made it. */
function heard(t: TestApp, matches: (notice: KeyRevocation) => boolean): Promise<void> {
  return new Promise((resolve) => t.app.get<symbol, KeyRevocations>(KEY_REVOCATIONS).subscribe((notice) => matches(notice) && resolve()));
}

/** Two instances, one PostgreSQL, one Redis: the limits and revocations hold across them. */
describe('limits and revocations shared through Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  const env = () => ({
    REDIS_URL: redis.url,
    TRUSTED_PROXIES: '127.0.0.1',
    RATE_LIMIT_IP_PER_MINUTE: '4',
    RATE_LIMIT_PLANS: PLANS,
    API_KEY_CACHE_MS: '4000',
    VAULT_REVEALS_PER_MINUTE: '2',
    VAULT_WORKSPACE_REVEALS_PER_MINUTE: '3',
  });
  // One secrets directory's worth of master key for both, as instances of one service share it.
  const secretFiles = { 'master.v1.key': randomBytes(32).toString('base64') };
  const first = useTestApp({ env, secretFiles });
  let second: TestApp;
  let admin: TestAdmin;
  let keys: { live: TestKey; other: TestKey };

  // Admins and keys from the factories: making them spends no request budget.
  beforeAll(async () => {
    second = await first.another({ env: env(), secretFiles });
    admin = await first.newAdmin('owner');
    keys = { live: await first.newKey({ by: admin }), other: await first.newKey({ by: admin }) };
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('holds the per-address limit across instances', async () => {
    const from = newAddress();
    const statuses = [];
    for (const t of [first, second, first, second, first])
      statuses.push((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { 'x-forwarded-for': from } })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('holds the per-key limit across instances', async () => {
    const key = await first.newKey({ by: admin });
    const statuses = [];
    for (const t of [first, second, second, first]) statuses.push((await whoAmI(t, key.headers)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('holds the vault’s reveal limits, per key and per vault, across instances', async () => {
    const writer = await first.newKey({ scopes: ['vault:write'], by: admin });
    const [revealer, sibling] = [
      await first.newKey({ workspace: writer.workspaceId, scopes: ['vault:reveal'], by: admin }),
      await first.newKey({ workspace: writer.workspaceId, scopes: ['vault:reveal'], by: admin }),
    ];
    const created = await first.app.inject({
      method: 'POST',
      url: '/v1/vault/secrets',
      headers: { ...writer.headers, 'x-forwarded-for': newAddress() },
      payload: { name: 'shared', value: 'v' },
    });
    expect(created.statusCode).toBe(201);
    const reveal = async (t: TestApp, key: TestKey) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/vault/secrets/shared/reveal',
          headers: { ...key.headers, 'x-forwarded-for': newAddress() },
          payload: {},
        })
      ).statusCode;
    // Per key (2): the third reveal, on whichever instance, is refused.
    expect([await reveal(first, revealer), await reveal(second, revealer), await reveal(first, revealer)]).toEqual([200, 200, 429]);
    // Per vault (3): the sibling gets the vault's third, then nothing, on either instance.
    expect([await reveal(second, sibling), await reveal(first, sibling)]).toEqual([200, 429]);
  });

  it('makes a revocation on one instance refuse the key on the other at once, cache or not', async () => {
    const key = await first.newKey({ by: admin });
    expect((await whoAmI(second, key.headers)).statusCode).toBe(200); // now cached on the second for 4 s
    const notice = heard(second, (revocation) => 'keyId' in revocation && revocation.keyId === key.id);
    const revoke = await first.app.inject({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${key.workspaceId}/api-keys/${key.id}`,
      headers: { ...admin.headers, 'x-forwarded-for': newAddress() },
    });
    expect(revoke.statusCode).toBe(204);
    await notice;
    expect((await whoAmI(second, key.headers)).statusCode).toBe(401);
  });

  it('makes a suspension on one instance refuse the workspace’s keys on the other at once', async () => {
    const key = await first.newKey({ by: admin });
    expect((await whoAmI(second, key.headers)).statusCode).toBe(200);
    const notice = heard(second, (revocation) => 'workspaceId' in revocation && revocation.workspaceId === key.workspaceId);
    const suspend = await first.app.inject({
      method: 'POST',
      url: `/v1/admin/workspaces/${key.workspaceId}/suspend`,
      headers: { ...admin.headers, 'x-forwarded-for': newAddress() },
    });
    expect(suspend.statusCode).toBe(200);
    await notice;
    expect((await whoAmI(second, key.headers)).statusCode).toBe(401);
    expect((await whoAmI(second, keys.other.headers)).statusCode).toBe(200);
  });
});

describe('when Redis goes away', () => {
  let redis: TestRedis;
  let relay: CuttableRelay;
  beforeAll(async () => {
    redis = await startTestRedis();
    relay = CuttableRelay.for(redis.url);
    await relay.open();
  });
  const t = useTestApp({ env: () => ({ REDIS_URL: relay.url, TRUSTED_PROXIES: '127.0.0.1' }) });
  let key: TestKey;

  beforeAll(async () => {
    key = await t.newKey();
  });
  afterAll(async () => {
    await relay.cut();
    await redis.stop();
  });

  it('fails closed with a 503 problem, reports not ready, keeps liveness, logs the outage once, and recovers [V16.5.2 V16.5.3]', async () => {
    expect((await whoAmI(t, key.headers)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);

    await relay.cut();
    const refused = [
      await whoAmI(t, key.headers),
      await whoAmI(t, key.headers),
      await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'a@b.c', password: 'x' } }),
    ];
    for (const answer of refused) {
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ status: 503, code: 'RATE_LIMITS_UNAVAILABLE' });
      expect(answer.headers['retry-after']).toBe('1');
    }
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json<{ detail: string }>().detail).toContain('redis');
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const outageLines = t.logs.filter((line) => String(line.msg).includes('Redis unreachable'));
    expect(outageLines).toHaveLength(1);
    expect(t.logs.filter((line) => line.msg === 'request failed')).toHaveLength(0);

    const back = once(t.app.get(RedisConnection).commands, 'ready');
    await relay.open();
    await back;
    expect((await whoAmI(t, key.headers)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});

describe('a Redis that never answers', () => {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const t = useTestApp({ env: { REDIS_URL: `redis://:${password}@127.0.0.1:1/0` } });

  it('still boots, refuses limited routes, and never logs the password in REDIS_URL', async () => {
    const answer = await t.app.inject({ method: 'GET', url: '/v1/workspace' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ code: 'RATE_LIMITS_UNAVAILABLE' });
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    expect(t.rawLogs()).toContain('Redis unreachable');
    expect(t.rawLogs()).not.toContain(password);
    expect(answer.body).not.toContain(password);
  });
});
