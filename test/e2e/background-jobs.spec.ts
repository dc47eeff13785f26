import { JobRegistry, JobStatus } from '@ringfence/tenancy';
import { ApiKeyUsage } from '../../apps/api/src/workspaces/api-keys/api-key-usage';
import { TestAdmin } from '../support/admin-session';
import { newAdmin, newKey } from '../support/factories';
import { clusterProbe, instanceProbe, JobProbeModule, ProbeJobControl } from '../support/job-probe.module';
import { createTestApp, TestApp } from '../support/test-app';
import { useTestDatabase } from '../support/test-database';

/** Lets every pending timer and promise callback run, a few rounds over. */
async function settle(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Waits until `control` has finished `turns` more turns than it had, or fails after many polls. */
async function untilTurns(control: ProbeJobControl, turns: number): Promise<void> {
  const target = control.turns + turns;
  for (let polls = 0; polls < 2000 && control.turns < target; polls += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (control.turns < target) throw new Error(`the probe job did not reach ${target} turns`);
}

function statusOf(t: TestApp, name: string): JobStatus {
  const status = t.app
    .get(JobRegistry)
    .status()
    .find((job) => job.name === name);
  if (!status) throw new Error(`no job ${name}`);
  return status;
}

/** The job registry: declared jobs, one schedule each, gated by RINGFENCE_ROLE, never overlapping, visible, drained on stop. */
describe('background jobs', () => {
  const db = useTestDatabase();
  beforeEach(() => {
    clusterProbe.reset();
    instanceProbe.reset();
  });

  describe('on a worker instance', () => {
    let t: TestApp;
    let admin: TestAdmin | undefined;
    const operator = async (): Promise<TestAdmin> => (admin ??= await newAdmin(t, 'admin'));

    beforeAll(async () => {
      t = await createTestApp(db, { features: [JobProbeModule], env: { RINGFENCE_ROLE: 'worker' } });
    });
    afterAll(async () => {
      clusterProbe.reset();
      await t.close();
    });

    it('never runs a turn while the previous one of the same job runs: asks made meanwhile become one turn after it', async () => {
      const { entered, release } = clusterProbe.holdUntilReleased();
      await entered;
      const registry = t.app.get(JobRegistry);
      const asked = [registry.runNow('probe-cluster'), registry.runNow('probe-cluster')];
      registry.nudge('probe-cluster');
      await settle();
      expect(clusterProbe.running).toBe(1);
      expect(statusOf(t, 'probe-cluster').running).toBe(true);
      const before = clusterProbe.turns;
      clusterProbe.hold = undefined;
      release();
      await Promise.all(asked);
      // The held turn, then the one turn the asks made meanwhile became.
      expect(clusterProbe.turns).toBeGreaterThanOrEqual(before + 2);
      await untilTurns(clusterProbe, 50);
      expect(clusterProbe.mostAtOnce).toBe(1);
    });

    it('runs each turn as its own system principal, on the platform path, in a unit of work', async () => {
      clusterProbe.readSettings = true;
      await t.app.get(JobRegistry).runNow('probe-cluster');
      expect(clusterProbe.settings).toEqual({ actor: 'system:probe-cluster', platform: 'on' });
    });

    it('records a failing job (count, code, time), logs each failure once without its message, keeps the instance ready, and runs it again', async () => {
      const logsBefore = t.logs.length;
      clusterProbe.failuresLeft = 3;
      const { entered, release } = clusterProbe.holdUntilReleased();
      await entered; // three failed turns, then a fourth that is held

      const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok' });
      const shown = await t.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: (await operator()).headers });
      expect(shown.statusCode).toBe(200);
      expect(shown.json<JobStatus[]>().find((job) => job.name === 'probe-cluster')).toMatchObject({
        scope: 'cluster',
        runsHere: true,
        running: true,
        consecutiveFailures: 3,
        lastError: { code: 'PROBE_FAILED', at: expect.any(String) },
      });
      const failures = t.logs.slice(logsBefore).filter((line) => line.msg === 'job probe-cluster failed');
      expect(failures.map((line) => [line.level, line.errorCode, line.consecutiveFailures])).toEqual([
        [50, 'PROBE_FAILED', 1],
        [50, 'PROBE_FAILED', 2],
        [50, 'PROBE_FAILED', 3],
      ]);

      clusterProbe.hold = undefined;
      release();
      await untilTurns(clusterProbe, 2);
      const after = statusOf(t, 'probe-cluster');
      expect(after.consecutiveFailures).toBe(0);
      expect(after.lastSucceededAt).not.toBeNull();
      expect(after.lastError?.code).toBe('PROBE_FAILED'); // the last failure stays on record
    });

    it('lists every job of the application, each where it runs', () => {
      const jobs = t.app.get(JobRegistry).status();
      const where = Object.fromEntries(jobs.map((job) => [job.name, `${job.scope}:${job.runsHere}`]));
      expect(where).toEqual({
        'audit-seal': 'cluster:true',
        'audit-partitions': 'cluster:true',
        'audit-retention': 'cluster:true',
        'workspace-purge': 'cluster:true',
        'mail-worker': 'cluster:true',
        'idempotency-purge': 'cluster:true',
        'inbound-events-purge': 'cluster:true',
        'transfer-resubmit': 'cluster:true',
        'webhook-delivery': 'cluster:true',
        'api-key-usage': 'instance:true',
        'workspace-origins': 'instance:true',
        'rate-limit-sweep': 'instance:true',
        'probe-cluster': 'cluster:true',
        'probe-instance': 'instance:true',
      });
    });
  });

  it('runs no cluster job on an api instance (not on its schedule, not when nudged), and every instance job', async () => {
    const t = await createTestApp(db, { features: [JobProbeModule], env: { RINGFENCE_ROLE: 'api' } });
    try {
      const owner = await newAdmin(t, 'owner');
      t.app.get(JobRegistry).nudge('probe-cluster');
      const forgot = await t.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email: owner.email } });
      expect(forgot.statusCode).toBe(202); // its nudge of the mail worker is refused here too
      await untilTurns(instanceProbe, 20);
      expect(clusterProbe.turns).toBe(0);

      const jobs = (await t.app.inject({ method: 'GET', url: '/v1/admin/jobs', headers: owner.headers })).json<JobStatus[]>();
      const cluster = jobs.filter((job) => job.scope === 'cluster');
      expect(cluster.map((job) => job.name).sort()).toEqual([
        'audit-partitions',
        'audit-retention',
        'audit-seal',
        'idempotency-purge',
        'inbound-events-purge',
        'mail-worker',
        'probe-cluster',
        'transfer-resubmit',
        'webhook-delivery',
        'workspace-purge',
      ]);
      for (const job of cluster) expect(job).toMatchObject({ runsHere: false, runs: 0, lastStartedAt: null });
      expect(jobs.filter((job) => job.scope === 'instance').every((job) => job.runsHere)).toBe(true);
      const { rows } = await db.superuser.query(`SELECT status, attempts FROM mail_outbox`);
      expect(rows).toEqual([{ status: 'pending', attempts: 0 }]);
    } finally {
      await t.close();
    }
  });

  it('waits, as the application stops, for the turn in progress (with the pool still open), and tells it to stop [V16.5.3]', async () => {
    const t = await createTestApp(db, { features: [JobProbeModule], env: { RINGFENCE_ROLE: 'worker' } });
    const { entered, release } = clusterProbe.holdUntilReleased();
    clusterProbe.readSettings = true;
    await entered;
    const earlier = clusterProbe.finished.length;
    const told = new Promise<void>((resolve) => (clusterProbe.aborted = resolve));
    const closing = t.close().then(() => clusterProbe.finished.push('closed'));
    await told; // the stop has begun while the turn runs
    await settle();
    expect(clusterProbe.finished.slice(earlier)).toEqual([]);
    release();
    await closing;
    // The turn read the database after the stop began, then the application closed.
    expect(clusterProbe.finished.slice(earlier)).toEqual(['turn', 'closed']);
    expect(clusterProbe.settings).toEqual({ actor: 'system:probe-cluster', platform: 'on' });
  });

  it('stops without a turn that outlasts half of SHUTDOWN_GRACE_MS, and says which', async () => {
    const t = await createTestApp(db, { features: [JobProbeModule], env: { RINGFENCE_ROLE: 'worker', SHUTDOWN_GRACE_MS: '400' } });
    const { entered, release } = clusterProbe.holdUntilReleased();
    try {
      await entered;
      const earlier = clusterProbe.finished.length;
      await t.close();
      expect(clusterProbe.finished.slice(earlier)).toEqual([]);
      const told = t.logs.filter((line) => line.msg === 'stopping with job turns still running after 200 ms');
      expect(told).toHaveLength(1);
      expect(told[0]!.jobs).toEqual(expect.arrayContaining(['probe-cluster']));
    } finally {
      clusterProbe.hold = undefined;
      release();
    }
  });

  it('gives a job with state in memory a final turn as the application stops: API-key usage noted since the last flush is written', async () => {
    const t = await createTestApp(db, { env: { RINGFENCE_ROLE: 'api' } });
    const keyId = await (async () => {
      try {
        const key = await newKey(t);
        await t.app.get(ApiKeyUsage).flush();
        await db.superuser.query('UPDATE api_keys SET last_used_at = NULL WHERE key_id = $1', [key.id]);
        t.app.get(ApiKeyUsage).touch(key.id);
        return key.id;
      } finally {
        await t.close();
      }
    })();
    const { rows } = await db.superuser.query<{ used: boolean }>(
      'SELECT last_used_at IS NOT NULL AS used FROM api_keys WHERE key_id = $1',
      [keyId],
    );
    expect(rows).toEqual([{ used: true }]);
  });

  it('gives the final turns their time even while another job’s turn outlasts the drain: a stuck mail does not lose API-key usage', async () => {
    // The attacker's lever: a mail server that stalls keeps the mail worker's turn running as the instance stops.
    const t = await createTestApp(db, { features: [JobProbeModule], env: { RINGFENCE_ROLE: 'all', SHUTDOWN_GRACE_MS: '400' } });
    const { entered, release } = clusterProbe.holdUntilReleased();
    try {
      const key = await newKey(t);
      await t.app.get(ApiKeyUsage).flush();
      await db.superuser.query('UPDATE api_keys SET last_used_at = NULL WHERE key_id = $1', [key.id]);
      await entered;
      expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
      await t.close();
      const { rows } = await db.superuser.query<{ used: boolean }>(
        'SELECT last_used_at IS NOT NULL AS used FROM api_keys WHERE key_id = $1',
        [key.id],
      );
      expect(rows).toEqual([{ used: true }]);
      expect(t.logs.filter((line) => line.msg === 'stopping with job turns still running after 200 ms').map((line) => line.jobs)).toEqual([
        ['probe-cluster'],
      ]);
    } finally {
      clusterProbe.hold = undefined;
      release();
    }
  });
});
