import { defineOutboxTable, DeliveryOutcome, jobPrincipal, OutboxClaim, RecordedDelivery } from '@ringfence/tenancy';
import { Client } from 'pg';
import { outboxWorker, OutboxWorker } from '../support/outbox-worker';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * What the outbox gained for webhooks (docs/adr/0021-webhook-delivery.md), on tables of
 * their own made like webhook_deliveries and webhook_endpoints: a back-off on a schedule and
 * the other side's `notBeforeMs`, outcomes recorded in batches, and claims fair across groups
 * with a per-group in-flight limit held across workers.
 */
interface Payload {
  body: string;
  group_id: string;
  group_name: string;
}

const GROUPED = defineOutboxTable<Payload>({
  table: 'test_grouped_outbox',
  payloadColumns: ['body', 'group_id'],
  clearedWhenFinished: [],
  principal: jobPrincipal('outbox-groups-test'),
  maxAttempts: 3,
  leaseMs: 60_000,
  backoff: { scheduleMs: [2_000, 10_000], jitter: 0.5 },
  batch: 10,
  group: { table: 'test_groups', column: 'group_id', inFlight: 2, enabledColumn: 'enabled', columns: ['name'] },
});

describe('Outbox: schedules, batched records and fair claims across groups', () => {
  let db: TestDatabase;
  let superuser: Client;
  let first: OutboxWorker;
  let second: OutboxWorker;

  const worker = () => outboxWorker(db.appUrl);

  beforeAll(async () => {
    db = await createTestDatabase();
    const owner = await db.connect(db.ownerUrl);
    await owner.query(`
      CREATE TABLE test_groups (
        id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name     text NOT NULL,
        enabled  boolean NOT NULL DEFAULT true
      );
      CREATE TABLE test_grouped_outbox (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        group_id         uuid NOT NULL REFERENCES test_groups (id) ON DELETE CASCADE,
        body             text,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        claimed_until    timestamptz,
        lease_token      uuid,
        finished_at      timestamptz,
        last_error       text
      );
      ALTER TABLE test_groups ENABLE ROW LEVEL SECURITY;
      ALTER TABLE test_groups FORCE ROW LEVEL SECURITY;
      CREATE POLICY test_groups_platform ON test_groups USING (app_platform_access()) WITH CHECK (app_platform_access());
      ALTER TABLE test_grouped_outbox ENABLE ROW LEVEL SECURITY;
      ALTER TABLE test_grouped_outbox FORCE ROW LEVEL SECURITY;
      CREATE POLICY test_grouped_outbox_platform ON test_grouped_outbox USING (app_platform_access()) WITH CHECK (app_platform_access());
      GRANT SELECT, UPDATE ON test_groups TO ringfence_app;
      GRANT SELECT, INSERT, UPDATE ON test_grouped_outbox TO ringfence_app;
    `);
    superuser = await db.connect(db.adminUrl);
    [first, second] = await Promise.all([worker(), worker()]);
  });
  afterAll(async () => {
    await Promise.all([first.source.destroy(), second.source.destroy()]);
    await db.drop();
  });
  afterEach(async () => {
    await superuser.query('DELETE FROM test_groups');
  });

  /** A group named `name` with `count` due rows, the oldest first (`ageSeconds` older than now). */
  const group = async (name: string, count: number, ageSeconds = 0): Promise<string> => {
    const { rows } = await superuser.query<{ id: string }>(`INSERT INTO test_groups (name) VALUES ($1) RETURNING id`, [name]);
    const id = rows[0]!.id;
    await superuser.query(
      `INSERT INTO test_grouped_outbox (group_id, body, next_attempt_at)
       SELECT $1, $2 || ' ' || n, now() - make_interval(secs => $3 + 100 - n) FROM generate_series(1, $4) AS n`,
      [id, name, ageSeconds, count],
    );
    return id;
  };
  const countBy = (claims: readonly OutboxClaim<Payload>[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const claim of claims) counts[claim.row.payload.group_name] = (counts[claim.row.payload.group_name] ?? 0) + 1;
    return counts;
  };
  const clock = async (): Promise<Date> => (await superuser.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  /** The row's next attempt is at least `least` seconds after `before` and at most `most` seconds from now (the database's clock). */
  const waitsBetween = async (id: string, before: Date, least: number, most: number): Promise<boolean> =>
    (
      await superuser.query<{ ok: boolean }>(
        `SELECT next_attempt_at >= $2::timestamptz + make_interval(secs => $3)
            AND next_attempt_at <= clock_timestamp() + make_interval(secs => $4) AS ok
           FROM test_grouped_outbox WHERE id = $1`,
        [id, before, least, most],
      )
    ).rows[0]!.ok;

  describe('a back-off on a schedule', () => {
    it('waits the schedule’s entry, up to its jitter longer, and then its last entry', async () => {
      await group('alpha', 1);
      const failing = (): Promise<DeliveryOutcome> => Promise.resolve({ outcome: 'retry', errorCode: 'http_500' });
      let before = await clock();
      const [row] = await first.outbox.claim(GROUPED);
      await first.outbox.record(GROUPED, row!, await failing());
      // After attempt 1: 2 s, up to 50 % more.
      expect(await waitsBetween(row!.row.id, before, 2, 3)).toBe(true);
      expect(await waitsBetween(row!.row.id, before, 0, 1.9)).toBe(false);
      await superuser.query(`UPDATE test_grouped_outbox SET next_attempt_at = now()`);
      before = await clock();
      const [again] = await first.outbox.claim(GROUPED);
      expect(again!.row.attempt).toBe(2);
      await first.outbox.record(GROUPED, again!, await failing());
      // After attempt 2: 10 s, up to 15.
      expect(await waitsBetween(again!.row.id, before, 10, 15)).toBe(true);
    });

    it('honours notBeforeMs when it asks for longer than the back-off, and the back-off when it asks for less', async () => {
      await group('alpha', 2);
      const before = await clock();
      const [later, sooner] = await first.outbox.claim(GROUPED);
      expect(
        await first.outbox.recordMany(GROUPED, [
          { claim: later!, outcome: { outcome: 'retry', errorCode: 'http_503', notBeforeMs: 3_600_000 } },
          { claim: sooner!, outcome: { outcome: 'retry', errorCode: 'http_429', notBeforeMs: 10 } },
        ]),
      ).toEqual(['retry', 'retry']);
      expect(await waitsBetween(later!.row.id, before, 3600, 3600)).toBe(true);
      expect(await waitsBetween(sooner!.row.id, before, 2, 3)).toBe(true);
      const { rows } = await superuser.query(`SELECT last_error FROM test_grouped_outbox ORDER BY last_error`);
      expect(rows).toEqual([{ last_error: 'http_429' }, { last_error: 'http_503' }]);
    });
  });

  describe('recordMany', () => {
    it('records a batch of done, retry, failed and a lease lost in one transaction, and only the held rows do their work', async () => {
      await group('alpha', 2);
      await group('beta', 2);
      const claims = await first.outbox.claim(GROUPED);
      expect(claims).toHaveLength(4);
      const [done, retry, failed, lost] = claims as [
        OutboxClaim<Payload>,
        OutboxClaim<Payload>,
        OutboxClaim<Payload>,
        OutboxClaim<Payload>,
      ];
      // The last row's lease runs out and the second worker claims it again.
      await superuser.query(`UPDATE test_grouped_outbox SET claimed_until = now() - interval '1 second' WHERE id = $1`, [lost.row.id]);
      expect((await second.outbox.claim(GROUPED)).map((claim) => claim.row.id)).toEqual([lost.row.id]);

      const transactions: string[] = [];
      const work: string[] = [];
      const txid = async () => String((await first.unitOfWork.manager.query(`SELECT txid_current() AS id`))[0].id);
      const recordWork = (name: string) => async () => {
        work.push(name);
        transactions.push(await txid());
      };
      let after: readonly RecordedDelivery<Payload, string>[] = [];
      const results = await first.outbox.recordMany<Payload, string>(
        GROUPED,
        [
          { claim: done, outcome: { outcome: 'done', record: recordWork('done'), detail: 'd' } },
          { claim: retry, outcome: { outcome: 'retry', errorCode: 'http_500', record: recordWork('retry'), detail: 'r' } },
          { claim: failed, outcome: { outcome: 'failed', errorCode: 'secret_unreadable', record: recordWork('failed'), detail: 'f' } },
          { claim: lost, outcome: { outcome: 'done', record: recordWork('lost'), detail: 'l' } },
        ],
        async (recorded) => {
          after = recorded;
          transactions.push(await txid());
        },
      );
      expect(results).toEqual(['done', 'retry', 'failed', 'lease-lost']);
      expect(work).toEqual(['done', 'retry', 'failed']);
      expect(new Set(transactions).size).toBe(1);
      expect(after.map(({ row, recorded, outcome }) => [row.id, recorded, outcome.detail])).toEqual([
        [done.row.id, 'done', 'd'],
        [retry.row.id, 'retry', 'r'],
        [failed.row.id, 'failed', 'f'],
      ]);
      const { rows } = await superuser.query(
        `SELECT id, status, last_error, lease_token IS NOT NULL AS leased, finished_at IS NOT NULL AS finished FROM test_grouped_outbox`,
      );
      const byId = new Map(rows.map((row: { id: string }) => [row.id, row]));
      expect(byId.get(done.row.id)).toMatchObject({ status: 'done', last_error: null, leased: false, finished: true });
      expect(byId.get(retry.row.id)).toMatchObject({ status: 'pending', last_error: 'http_500', leased: false, finished: false });
      expect(byId.get(failed.row.id)).toMatchObject({ status: 'failed', last_error: 'secret_unreadable', leased: false, finished: true });
      // The second worker's claim stands.
      expect(byId.get(lost.row.id)).toMatchObject({ status: 'pending', last_error: null, leased: true, finished: false });
    });

    it('finishes as failed a retry on the last attempt, and runs no afterRecords for a batch whose leases were all lost', async () => {
      await group('alpha', 2);
      await superuser.query(`UPDATE test_grouped_outbox SET attempts = 2`);
      const [last, lost] = await first.outbox.claim(GROUPED);
      expect(await first.outbox.record(GROUPED, last!, { outcome: 'retry', errorCode: 'http_500' })).toBe('failed');
      await superuser.query(`UPDATE test_grouped_outbox SET lease_token = gen_random_uuid() WHERE id = $1`, [lost!.row.id]);
      let called = false;
      expect(
        await first.outbox.recordMany(GROUPED, [{ claim: lost!, outcome: { outcome: 'done' } }], () =>
          Promise.resolve(void (called = true)),
        ),
      ).toEqual(['lease-lost']);
      expect(called).toBe(false);
      const { rows } = await superuser.query(`SELECT status, last_error, attempts FROM test_grouped_outbox WHERE id = $1`, [last!.row.id]);
      expect(rows).toEqual([{ status: 'failed', last_error: 'http_500', attempts: 3 }]);
    });
  });

  describe('claims across groups', () => {
    it('take round-robin across groups, not the oldest group’s rows first, with the group’s columns', async () => {
      const table = defineOutboxTable({ ...GROUPED, batch: 6, group: { ...GROUPED.group!, inFlight: 10 } });
      // Alpha's five are the oldest: a claim in age order would take them all.
      const alpha = await group('alpha', 5, 1000);
      await group('beta', 5);
      await group('gamma', 5);
      const claims = await first.outbox.claim(table);
      expect(countBy(claims)).toEqual({ alpha: 2, beta: 2, gamma: 2 });
      // Within a group, its oldest first.
      const alphas = claims.filter((claim) => claim.row.payload.group_id === alpha).map((claim) => claim.row.payload.body);
      expect(alphas).toEqual(['alpha 1', 'alpha 2']);
    });

    it('hold at most the group’s in-flight limit across workers, and take more as rows finish', async () => {
      await group('alpha', 5);
      const taken = await first.outbox.claim(GROUPED);
      expect(countBy(taken)).toEqual({ alpha: 2 });
      expect(await second.outbox.claim(GROUPED)).toEqual([]);
      expect(await first.outbox.claim(GROUPED)).toEqual([]);
      expect(await first.outbox.record(GROUPED, taken[0]!, { outcome: 'done' })).toBe('done');
      expect(countBy(await second.outbox.claim(GROUPED))).toEqual({ alpha: 1 });
      expect(await first.outbox.claim(GROUPED)).toEqual([]);
    });

    it('hold the limit when two workers claim at once, round after round', async () => {
      for (let round = 0; round < 100; round += 1) {
        await superuser.query('DELETE FROM test_groups');
        await group('alpha', 6);
        await group('beta', 6);
        const claims = (
          await Promise.all([
            first.outbox.claim(GROUPED),
            second.outbox.claim(GROUPED),
            first.outbox.claim(GROUPED),
            second.outbox.claim(GROUPED),
          ])
        ).flat();
        const { rows } = await superuser.query<{ name: string; n: number }>(
          `SELECT g.name, count(*)::int AS n FROM test_grouped_outbox d JOIN test_groups g ON g.id = d.group_id
            WHERE d.claimed_until > now() GROUP BY g.name ORDER BY g.name`,
        );
        expect([round, rows]).toEqual([
          round,
          [
            { name: 'alpha', n: 2 },
            { name: 'beta', n: 2 },
          ],
        ]);
        expect([round, countBy(claims)]).toEqual([round, { alpha: 2, beta: 2 }]);
      }
    });

    it('never take a disabled group’s rows, and take them once it is enabled again', async () => {
      const paused = await group('paused', 3);
      await group('running', 1);
      await superuser.query(`UPDATE test_groups SET enabled = false WHERE id = $1`, [paused]);
      expect(countBy(await first.outbox.claim(GROUPED))).toEqual({ running: 1 });
      expect(await second.outbox.claim(GROUPED)).toEqual([]);
      await superuser.query(`UPDATE test_groups SET enabled = true WHERE id = $1`, [paused]);
      expect(countBy(await second.outbox.claim(GROUPED))).toEqual({ paused: 2 });
    });

    it('skip a group another claim holds instead of waiting for it', async () => {
      const held = await group('held', 2);
      await group('free', 2);
      const holder = await db.connect(db.adminUrl);
      await holder.query('BEGIN');
      try {
        await holder.query(`SELECT 1 FROM test_groups WHERE id = $1 FOR NO KEY UPDATE`, [held]);
        expect(countBy(await first.outbox.claim(GROUPED))).toEqual({ free: 2 });
      } finally {
        await holder.query('ROLLBACK');
      }
      expect(countBy(await second.outbox.claim(GROUPED))).toEqual({ held: 2 });
    });
  });
});
