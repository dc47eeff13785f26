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
