import { CONFLICT_ATTEMPTS } from '@ringfence/tenancy';
import { TestAdmin } from '../support/admin-session';
import { conflictProbe, PipelineProbeModule } from '../support/pipeline-probe.module';
import { useTestApp } from '../support/use-test-app';

/**
 * A request's unit of work that loses to a concurrent transaction (a real 40001 from the
 * database) is run again whole, handler included: what the failed attempt queued, recorded
 * for its audit row or set on the reply goes with it.
 */
describe('an audited request meeting a serialization failure', () => {
  const t = useTestApp({ features: [PipelineProbeModule] });
  let owner: TestAdmin;

  beforeAll(async () => {
    owner = await t.newAdmin('owner');
  });
  beforeEach(() => {
    conflictProbe.attempts = 0;
    conflictProbe.committed = 0;
  });

  async function written(name: string): Promise<{ workspaces: number; audit: { before: unknown; after: unknown }[] }> {
    const workspaces = await t.superuser.query<{ id: string }>('SELECT id FROM workspaces WHERE name = $1', [name]);
    const audit = await t.superuser.query<{ before: unknown; after: unknown }>(
      `SELECT before, after FROM audit_log WHERE action = 'workspace.create' AND after->>'name' = $1`,
      [name],
    );
    return { workspaces: workspaces.rowCount ?? 0, audit: audit.rows };
  }

  it('is run again, and leaves one row, one audit row without the failed attempt’s before, one cookie and one after-commit call', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/conflict',
      headers: owner.headers,
      payload: { name: 'conflict once', conflicts: 1 },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ attempt: 2 });
    expect(conflictProbe.attempts).toBe(2);
    expect(conflictProbe.committed).toBe(1);
    expect(response.headers['set-cookie']).toBe('probe_attempt=2');
    expect(await written('conflict once')).toEqual({
      workspaces: 1,
      audit: [{ before: null, after: { name: 'conflict once', attempt: 2 } }],
    });
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After once its attempts are spent, and leaves nothing [V15.4.3]', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/conflict',
      headers: owner.headers,
      payload: { name: 'always in conflict', conflicts: 100 },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(conflictProbe.attempts).toBe(CONFLICT_ATTEMPTS);
    expect(conflictProbe.committed).toBe(0);
    expect(await written('always in conflict')).toEqual({ workspaces: 0, audit: [] });
    // Reported as one warning by the unit of work, not as a failed request with a stack.
    expect(t.logs.filter((line) => line.msg === 'request failed')).toEqual([]);
    expect(t.logs.filter((line) => /^serialization failure \(40001\), after 3 attempts/.test(String(line.msg)))).toHaveLength(1);
  });
});
