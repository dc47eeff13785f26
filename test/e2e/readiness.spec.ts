import { JobRegistry, JobStatus } from '@ringfence/tenancy';
import { MigrationsHealthIndicator } from '../../apps/api/src/health/migrations.health';
import { useTestApp } from '../support/use-test-app';

describe('readiness, migrations pending', () => {
  const t = useTestApp({ emptyDatabase: true });

  it('is not ready while migrations are pending, and says which check failed', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: 'Not ready: migrations.' });
    // The answer is the report: a probe that finds the service not ready is not an error to log.
    expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
  });
});

describe('readiness', () => {
  const t = useTestApp();

  it('lets concurrent probes share one check in flight (public and unlimited, it must stay cheap)', async () => {
    const checks = jest.spyOn(t.app.get(MigrationsHealthIndicator), 'check');
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.app.inject({ method: 'GET', url: '/health/ready' })));
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
    expect(checks.mock.calls.length).toBeLessThan(20);
  });
});

// The attacker's lever: the mail server refuses (or is merely slow), and only a known admin's request reaches it.
describe('readiness, with a mail server that refuses', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'api', MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1' } });

  it('tells an anonymous caller nothing of the background jobs: a reset request for an admin and one for nobody look the same', async () => {
    const owner = await t.newAdmin('owner');
    const probe = async (email: string): Promise<unknown> => {
      const forgot = await t.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email } });
      expect(forgot.statusCode).toBe(202);
      await t.app.get(JobRegistry).runNow('mail-worker'); // what a worker instance does within two seconds
      const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      return ready.json();
    };
    const afterKnown = await probe(owner.email);
    const afterUnknown = await probe(`nobody-${owner.email}`);
    expect(afterKnown).toEqual({ status: 'ok' });
    expect(afterUnknown).toEqual({ status: 'ok' });

    // Operators still see the jobs, signed in: the failing mail worker, its code and count.
    const jobs = await t.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: owner.headers });
    expect(jobs.statusCode).toBe(200);
    expect(jobs.json<JobStatus[]>().find((job) => job.name === 'mail-worker')).toMatchObject({
      runs: 2,
      lastError: { code: 'MAIL_UNDELIVERED' },
    });
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/jobs' })).statusCode).toBe(401);
    const key = await t.newKey({ scopes: ['audit:read'], by: owner });
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: key.headers })).statusCode).toBe(401); // a key is no admin
  });
});

describe('a worker instance (RINGFENCE_ROLE=worker)', () => {
  const t = useTestApp({ env: { RINGFENCE_ROLE: 'worker' } });

  it('serves its health and its jobs’ state only: the API is the api instances’', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const owner = await t.newAdmin('owner');
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: owner.headers })).statusCode).toBe(200);
    for (const url of ['/v1/admin/workspaces', '/v1/workspace', '/v1/webhooks/endpoints', '/docs-json']) {
      const answer = await t.app.inject({ method: 'GET', url, headers: owner.headers });
      expect({ url, status: answer.statusCode, code: answer.json<{ code: string }>().code }).toEqual({
        url,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
  });

  it('is ready while it can claim, and not once it drains for a stop', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const registry = t.app.get(JobRegistry);
    expect(registry.claimsClusterWork).toBe(true);
    await registry.beforeApplicationShutdown();
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ code: 'NOT_READY', detail: 'Not ready: claims.' });
  });
});
