import { AuditChain, AuditSealer, SecurityEvents } from '@ringfence/audit';
import { ANONYMOUS } from '@ringfence/tenancy';
import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/** What audit rows hold: declared secrets redacted, client text as bounded data, and a chain concurrency cannot break. */
describe('audit writes', () => {
  const t = useTestApp();
  let admin: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  it('redacts the fields a resource declares secret, whoever records the row [V16.2.5]', async () => {
    await t.app.get(SecurityEvents).record(
      {
        action: 'spec.redaction',
        outcome: 'success',
        target: { type: 'api_key', id: 'ABCDEFGH' },
        after: { name: 'kept', key: 'rf_live_NOTREALLY', nested: { secretHash: 'ab' } },
      },
      ANONYMOUS,
    );
    const { rows } = await t.superuser.query(`SELECT after FROM audit_log WHERE action = 'spec.redaction'`);
    expect(rows).toEqual([{ after: { name: 'kept', key: '[redacted]', nested: { secretHash: '[redacted]' } } }]);
  });

  it('keeps a hostile user agent as bounded data: no line split in the logs, no 10 KB row', async () => {
    const hostile = `evil\r\n{"level":60,"msg":"forged"}\u001b[2J${'A'.repeat(10_000)}`;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/workspaces',
      headers: { ...admin.headers, 'user-agent': hostile, 'x-request-id': 'req-hostile-agent' },
      payload: { name: `line one\r\nline two \u001b[31m red` },
    });
    expect(response.statusCode).toBe(201);
    const { rows } = await t.superuser.query<{ user_agent: string; after: { name: string } }>(
      `SELECT user_agent, after FROM audit_log WHERE client_request_id = 'req-hostile-agent'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.user_agent.length).toBeLessThan(600);
    expect(rows[0]!.user_agent.startsWith('evil\r\n{"level":60')).toBe(true);
    expect(rows[0]!.after.name).toBe('line one\r\nline two \u001b[31m red');
    // Every log line is one JSON document: nothing the client sent starts a line of its own.
    for (const line of t.rawLogs().split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(t.logs.some((line) => line.msg === 'forged')).toBe(false);
  });

  it('chains many parallel mutations, failed ones included, into one gap-free verifiable chain', async () => {
    await t.app.get(AuditSealer).sealAll(0);
    const before = Number((await t.superuser.query<{ n: string }>('SELECT count(*) AS n FROM audit_chain')).rows[0]!.n);
    const requests = Array.from({ length: 40 }, (_, n) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: admin.headers,
        // Every fifth is refused after validation (unknown plan): its transaction, and its audit row, roll back.
        payload: { name: `parallel ${n}`, ...(n % 5 === 0 ? { plan: 'no-such-plan' } : {}) },
      }),
    );
    const statuses = (await Promise.all(requests)).map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(32);
    expect(statuses.filter((status) => status === 400)).toHaveLength(8);

    await t.app.get(AuditSealer).sealAll(0);
    const { rows } = await t.superuser.query<{ seq: string }>('SELECT seq FROM audit_chain ORDER BY seq');
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    const created = Number(
      (
        await t.superuser.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_log WHERE action = 'workspace.create' AND after->>'name' LIKE 'parallel %'`,
        )
      ).rows[0]!.n,
    );
    expect(created).toBe(32);
    const total = Number((await t.superuser.query<{ n: string }>('SELECT count(*) AS n FROM audit_log')).rows[0]!.n);
    expect(rows.length).toBe(total);
    expect(rows.length - before).toBeGreaterThanOrEqual(32);
    expect(await t.app.get(AuditChain).verify()).toMatchObject({ intact: true, checked: total });
  });
});
