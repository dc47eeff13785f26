import { AuditChain, AuditSealer } from '@ringfence/audit';
import { useTestApp } from '../support/use-test-app';

/** Months past retention leave whole, sealed, checkpointed and audited; what remains still verifies. */
describe('audit retention', () => {
  const t = useTestApp({ env: { AUDIT_RETENTION_DAYS: '90' }, each: true });

  beforeEach(async () => {
    // Months reaching back half a year, with rows in the old ones.
    await t.superuser.query(`SET ROLE ringfence_owner`);
    await t.superuser.query(`SELECT set_config('app.platform', 'on', false)`);
    await t.superuser.query(`SELECT audit_ensure_partitions((date_trunc('month', now()) - interval '6 months')::date, 3)`);
    await t.superuser.query(`RESET ROLE`);
    await t.superuser.query(
      `INSERT INTO audit_log (occurred_at, actor_type, action, outcome)
       SELECT date_trunc('month', now()) - make_interval(months => m) + interval '3 days', 'system', 'old.event', 'success'
         FROM generate_series(1, 6) m, generate_series(1, 10)`,
    );
  });

  const partitions = async () =>
    (
      await t.superuser.query<{ name: string }>(
        `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'audit_log'::regclass ORDER BY 1`,
      )
    ).rows.map((row) => row.name);

  it('drops the months wholly past retention, checkpoints the chain, audits the drop, and still verifies [V14.2.7]', async () => {
    const before = await partitions();
    const dropped = await t.app.get(AuditSealer).retire();
    // 90 days back from now reaches into the third month back at most: months 4, 5 and 6 back go (at least).
    expect(dropped.length).toBeGreaterThanOrEqual(3);
    expect(dropped.every((part) => part.rows === 10)).toBe(true);
    const after = await partitions();
    expect(after).toEqual(before.filter((name) => !dropped.some((part) => part.partition === name)));
    const { rows: checkpoints } = await t.superuser.query(`SELECT kind, partitions, rows_retired, through_seq FROM audit_checkpoints`);
    expect(checkpoints).toEqual([
      {
        kind: 'retention',
        partitions: dropped.map((part) => part.partition),
        rows_retired: String(dropped.length * 10),
        through_seq: expect.any(String),
      },
    ]);
    const { rows: audited } = await t.superuser.query(`SELECT actor_type, actor_id, after FROM audit_log WHERE action = 'audit.retention'`);
    expect(audited).toEqual([
      {
        actor_type: 'system',
        actor_id: 'audit-chain',
        after: expect.objectContaining({ partitions: dropped.map((part) => part.partition), rowsRetired: dropped.length * 10 }),
      },
    ]);

    await t.app.get(AuditSealer).sealAll(0);
    expect(await t.app.get(AuditChain).verify()).toMatchObject({ intact: true, firstBreak: null });
    // What remains is still guarded: deleting a kept row is found.
    const [kept] = (await t.superuser.query<{ id: string }>(`SELECT id FROM audit_log WHERE action = 'old.event' ORDER BY id LIMIT 1`))
      .rows;
    await t.superuser.query('BEGIN');
    await t.superuser.query('SET LOCAL session_replication_role = replica');
    await t.superuser.query('DELETE FROM audit_log WHERE id = $1', [kept!.id]);
    await t.superuser.query('COMMIT');
    expect(await t.app.get(AuditChain).verify()).toMatchObject({
      intact: false,
      firstBreak: { auditId: kept!.id, problem: 'row deleted' },
    });
  });

  it('never drops a month with an unsealed row, and refuses a retention under 30 days', async () => {
    const dropped = await t.app.get(AuditChain).retire(90);
    expect(dropped).toEqual([]);
    expect(await partitions()).toHaveLength(10);
    await expect(t.app.get(AuditChain).retire(7)).rejects.toThrow(/under 30 days/);
  });
});
