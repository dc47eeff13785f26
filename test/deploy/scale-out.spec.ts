import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { TestAdmin } from '../support/admin-session';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { listenOn, TestApp } from '../support/test-app';
import { startTestRedis, TestRedis } from '../support/test-redis';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/**
 * Scale-out, as the compose `scale` profile and the Helm chart run it: two API instances
 * (RINGFENCE_ROLE=api) on real ports behind a round-robin load balancer, one worker
 * (RINGFENCE_ROLE=worker), one PostgreSQL, one Redis. Driven through the balancer over HTTP:
 * a key's limit is spent across both replicas, a revocation on one is refused by the other
 * well inside its key cache, and a cluster job's effect (a queued mail) happens once, on the
 * worker. Redis as the other Redis specs have it (test/support/test-redis.ts).
 */
const PLANS = JSON.stringify({ standard: { perKeyPerMinute: 4, perWorkspacePerMinute: 100 } });
const CACHE_MS = 4000;

describe('two API replicas and a worker behind a load balancer, on one PostgreSQL and one Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  const env = (role: 'api' | 'worker') => ({
    RINGFENCE_ROLE: role,
    REDIS_URL: redis.url,
    TRUSTED_PROXIES: '127.0.0.1',
    RATE_LIMIT_PLANS: PLANS,
    API_KEY_CACHE_MS: String(CACHE_MS),
  });
  // One secrets directory's worth of master key for all three, as the replicas of one deployment share it.
  const secretFiles = { 'master.v1.key': randomBytes(32).toString('base64') };
  const first = useTestApp({ env: () => env('api'), secretFiles, listen: true });
  let second: TestApp;
  let worker: TestApp;
  let replicas: URL[];
  let lb: RoundRobinProxy;
  let admin: TestAdmin;

  beforeAll(async () => {
    second = await first.another({ env: env('api'), secretFiles });
    worker = await first.another({ env: env('worker'), secretFiles });
    replicas = [first.url, await listenOn(second)];
    lb = await RoundRobinProxy.start(replicas);
    admin = await first.newAdmin('owner');
  });
  afterAll(async () => {
    await lb?.close();
    await redis.stop();
  });

  const call = (base: URL, path: string, init: RequestInit = {}) => fetch(new URL(path, base), init);

  it('spends a key’s limit across both replicas', async () => {
    const key = await first.newKey({ by: admin });
    const before = lb.served.length;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await call(lb.url, '/v1/workspace', { headers: key.headers })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const served = lb.served.slice(before);
    expect(new Set(served)).toEqual(new Set([0, 1])); // both replicas answered
  });

  it('makes a revocation through one replica refused by both within seconds, inside their key cache (the Redis notice)', async () => {
    const key = await first.newKey({ by: admin });
    // Each replica verifies the key once and keeps it for CACHE_MS.
    for (const base of replicas) expect((await call(base, '/v1/workspace', { headers: key.headers })).status).toBe(200);
    const revoked = Date.now();
    const revoke = await call(lb.url, `/v1/admin/workspaces/${key.workspaceId}/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: admin.headers,
    });
    expect(revoke.status).toBe(204);
    const statuses = await until(
      'both replicas refusing the revoked key',
      () => Promise.all(replicas.map(async (base) => (await call(base, '/v1/workspace', { headers: key.headers })).status)),
      (answers) => answers.every((status) => status === 401),
      CACHE_MS - 1000,
    );
    expect(statuses).toEqual([401, 401]);
    expect(Date.now() - revoked).toBeLessThan(CACHE_MS);
  });

  it('runs a cluster job’s work once, on the worker: each queued mail is sent once, never by a replica', async () => {
    const others = [await first.newAdmin('admin'), await first.newAdmin('admin')];
    for (const other of others) {
      const forgot = await call(lb.url, '/v1/auth/password/forgot', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: other.email }),
      });
      expect(forgot.status).toBe(202);
    }
    const mails = (t: Pick<TestApp, 'mailDir'>) => (existsSync(t.mailDir) ? readdirSync(t.mailDir).length : 0);
    // A mail is written before its row's outcome is recorded: wait for the records.
    const outbox = await until(
      'the two mails sent and recorded by the worker',
      async () => (await first.superuser.query<{ status: string; attempts: number }>('SELECT status, attempts FROM mail_outbox')).rows,
      (rows) => rows.length === 2 && rows.every((row) => row.status !== 'pending'),
    );
    expect(outbox).toEqual([
      { status: 'done', attempts: 1 },
      { status: 'done', attempts: 1 },
    ]);
    expect([mails(first), mails(second), mails(worker)]).toEqual([0, 0, 2]);

    // What each instance says it runs: the cluster jobs on the worker only.
    const jobs = async (base: URL) =>
      (await (await call(base, '/v1/admin/jobs', { headers: admin.headers })).json()) as {
        name: string;
        scope: string;
        runsHere: boolean;
      }[];
    for (const base of replicas) {
      for (const job of await jobs(base))
        expect({ job: job.name, runsHere: job.runsHere }).toEqual({ job: job.name, runsHere: job.scope === 'instance' });
    }
    const workerUrl = await listenOn(worker);
    const onWorker = await jobs(workerUrl);
    expect(onWorker.find((job) => job.name === 'mail-worker')).toMatchObject({ runsHere: true });
    expect((await call(workerUrl, '/v1/workspace')).status).toBe(404); // a worker serves no API
  });
});
