import { defineOutboxTable, DeliveryOutcome, jobPrincipal, OutboxClaim } from '@ringfence/tenancy';
import { Client } from 'pg';
import { outboxWorker, OutboxWorker } from '../support/outbox-worker';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * The outbox helper on a table of its own, made like mail_outbox (owner-made, row-level
 * security forced, the app role granted what it needs): what the mail outbox relies on and
 * webhook delivery will.
 */
const TEST_OUTBOX = defineOutboxTable<{ secret: string }>({
  table: 'test_outbox',
  payloadColumns: ['secret'],
  clearedWhenFinished: ['secret'],
  principal: jobPrincipal('outbox-test'),
  maxAttempts: 3,
  leaseMs: 60_000,
  backoff: { firstMs: 1000, maxMs: 4000 },
  batch: 5,
});

describe('Outbox', () => {
  let db: TestDatabase;
  let superuser: Client;
  let first: OutboxWorker;
  let second: OutboxWorker;

  const worker = () => outboxWorker(db.appUrl);

  beforeAll(async () => {
    db = await createTestDatabase();
    const owner = await db.connect(db.ownerUrl);
    await owner.query(`
      CREATE TABLE test_outbox (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        secret           text,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        claimed_until    timestamptz,
        lease_token      uuid,
        finished_at      timestamptz,
        last_error       text
      );
      ALTER TABLE test_outbox ENABLE ROW LEVEL SECURITY;
      ALTER TABLE test_outbox FORCE ROW LEVEL SECURITY;
      CREATE POLICY test_outbox_platform ON test_outbox USING (app_platform_access()) WITH CHECK (app_platform_access());
      GRANT SELECT, INSERT, UPDATE ON test_outbox TO ringfence_app;
    `);
    superuser = await db.connect(db.adminUrl);
    [first, second] = await Promise.all([worker(), worker()]);
  });
  afterAll(async () => {
    await Promise.all([first.source.destroy(), second.source.destroy()]);
    await db.drop();
  });
  afterEach(async () => {
    await superuser.query('DELETE FROM test_outbox');
  });

  const queue = async (count: number): Promise<string[]> =>
    (
      await superuser.query<{ id: string }>(
        `INSERT INTO test_outbox (secret) SELECT 'secret ' || n FROM generate_series(1, $1) AS n RETURNING id`,
        [count],
      )
    ).rows.map((row) => row.id);
  const rows = async () =>
    (
      await superuser.query(
        `SELECT id, secret, status, attempts, last_error, lease_token IS NOT NULL AS leased, finished_at IS NOT NULL AS finished FROM test_outbox ORDER BY id`,
      )
    ).rows;
  const makeDue = () => superuser.query(`UPDATE test_outbox SET next_attempt_at = now() WHERE status = 'pending'`);
  const clock = async (): Promise<Date> => (await superuser.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  /** The row's next attempt is at least `least` seconds after `before` and at most `most` seconds from now (by the database's clock). */
  const waitsBetween = async (before: Date, least: number, most: number): Promise<boolean> =>
    (
      await superuser.query<{ ok: boolean }>(
        `SELECT next_attempt_at >= $1::timestamptz + make_interval(secs => $2) AND next_attempt_at <= clock_timestamp() + make_interval(secs => $3) AS ok FROM test_outbox`,
        [before, least, most],
      )
    ).rows[0]!.ok;
  const done: DeliveryOutcome = { outcome: 'done' };

  it('never gives one row to two workers claiming at once', async () => {
    const ids = await queue(60);
    const claimed: string[] = [];
    const claimAll = async (worker: OutboxWorker): Promise<void> => {
      for (;;) {
        const claims = await worker.outbox.claim(TEST_OUTBOX);
        if (claims.length === 0) return;
        claimed.push(...claims.map((claim) => claim.row.id));
      }
    };
    await Promise.all([claimAll(first), claimAll(second), claimAll(first), claimAll(second)]);
    expect(claimed).toHaveLength(60);
    expect(new Set(claimed)).toEqual(new Set(ids));
  });

  it('skips rows another transaction holds instead of waiting for them', async () => {
    const ids = await queue(6);
    const holder = await db.connect(db.adminUrl);
    await holder.query('BEGIN');
    try {
      const held = (await holder.query<{ id: string }>('SELECT id FROM test_outbox ORDER BY id LIMIT 3 FOR UPDATE')).rows.map(
        (row) => row.id,
      );
      const claims = await first.outbox.claim(TEST_OUTBOX);
      expect(claims.map((claim) => claim.row.id).sort()).toEqual(ids.filter((id) => !held.includes(id)).sort());
    } finally {
      await holder.query('ROLLBACK');
    }
  });

  it('goes on with a pass whose claim met another worker’s claim (every due row held), and delivers them once it lets go', async () => {
    const ids = await queue(3);
    const holder = await db.connect(db.adminUrl);
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM test_outbox FOR UPDATE');
    const delivered: string[] = [];
    const pass = first.outbox.deliverDue(TEST_OUTBOX, (row) => {
      delivered.push(row.id);
      return Promise.resolve(done);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivered).toEqual([]);
    await holder.query('ROLLBACK');
    await holder.end();
    await expect(pass).resolves.toMatchObject({ delivered: 3, leaseLost: 0 });
    expect(delivered.sort()).toEqual([...ids].sort());
    // Nothing due: the next pass ends at once.
    await expect(first.outbox.deliverDue(TEST_OUTBOX, () => Promise.resolve(done))).resolves.toMatchObject({ delivered: 0 });
  });

  it('delivers with no transaction open, then records the outcome with its own work and clears the payload', async () => {
    const [id] = await queue(1);
    const seen: unknown[] = [];
    // One slot: with more, the pass claims again while this delivery is in flight, and that
    // claim's own (short) transaction is what the count below would see.
    const pass = await first.outbox.deliverDue(defineOutboxTable({ ...TEST_OUTBOX, batch: 1 }), async (row) => {
      const { rows: open } = await superuser.query(
        `SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = current_database() AND usename = 'ringfence_app' AND xact_start IS NOT NULL`,
      );
      seen.push(row.payload.secret, row.attempt, first.unitOfWork.active, open[0].open);
      return {
        outcome: 'done',
        // In the recording transaction, as the table's principal.
        record: async () => void seen.push((await first.unitOfWork.manager.query(`SELECT current_setting('app.actor') AS actor`))[0].actor),
      };
    });
    expect(seen).toEqual(['secret 1', 1, false, 0, 'system:outbox-test']);
    expect(pass).toEqual({ delivered: 1, retried: 0, failed: 0, leaseLost: 0 });
    expect(await rows()).toEqual([{ id, secret: null, status: 'done', attempts: 1, last_error: null, leased: false, finished: true }]);
    await expect(first.unitOfWork.run(() => first.outbox.claim(TEST_OUTBOX))).rejects.toThrow(/outside any transaction/);
  });

  it('lets another worker claim a row whose lease ran out, and refuses the first worker’s late result (compare-and-set on the lease)', async () => {
    const [id] = await queue(1);
    const [late] = await first.outbox.claim(TEST_OUTBOX);
    // The first worker's lease runs out while it is still sending.
    await superuser.query(`UPDATE test_outbox SET claimed_until = now() - interval '1 second'`);
    const pass = await second.outbox.deliverDue(TEST_OUTBOX, () => Promise.resolve(done));
    expect(pass.delivered).toBe(1);
    expect(await first.outbox.record(TEST_OUTBOX, late as OutboxClaim<{ secret: string }>, { outcome: 'retry', errorCode: 'LATE' })).toBe(
      'lease-lost',
    );
    expect(await rows()).toEqual([{ id, secret: null, status: 'done', attempts: 2, last_error: null, leased: false, finished: true }]);
  });

  it('refuses a delivery’s database work once its lease is another worker’s', async () => {
    await queue(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const wrote: string[] = [];
    // One slot: the first worker claims nothing more while its one delivery is in flight.
    const slow = first.outbox.deliverDue(defineOutboxTable({ ...TEST_OUTBOX, batch: 1 }), async (_row, lease) => {
      entered();
      await gate;
      await lease.holding(() => Promise.resolve(void wrote.push('first')));
      return done;
    });
    await inside;
    await superuser.query(`UPDATE test_outbox SET claimed_until = now() - interval '1 second'`);
    await second.outbox.deliverDue(TEST_OUTBOX, async (_row, lease) => {
      await lease.holding(() => Promise.resolve(void wrote.push('second')));
      return done;
    });
    release();
    expect(await slow).toEqual({ delivered: 0, retried: 0, failed: 0, leaseLost: 1 });
    expect(wrote).toEqual(['second']);
  });

  it('backs a failed delivery off, exponentially with jitter, and tries it again once due', async () => {
    const [id] = await queue(1);
    const failing = () => Promise.reject(Object.assign(new Error('upstream said: secret 1 refused'), { code: 'ECONNREFUSED' }));
    let before = await clock();
    expect(await first.outbox.deliverDue(TEST_OUTBOX, failing)).toEqual({
      delivered: 0,
      retried: 1,
      failed: 0,
      leaseLost: 0,
      lastErrorCode: 'ECONNREFUSED',
    });
    // First back-off: half of firstMs to firstMs (1 s).
    expect(await waitsBetween(before, 0.5, 1)).toBe(true);
    expect(await rows()).toEqual([
      { id, secret: 'secret 1', status: 'pending', attempts: 1, last_error: 'ECONNREFUSED', leased: false, finished: false },
    ]);
    // Not due yet: nothing is claimed.
    expect(await first.outbox.claim(TEST_OUTBOX)).toEqual([]);

    await makeDue();
    before = await clock();
    await first.outbox.deliverDue(TEST_OUTBOX, failing);
    // Doubled: 1 to 2 s.
    expect(await waitsBetween(before, 1, 2)).toBe(true);

    await makeDue();
    const attempts: number[] = [];
    await first.outbox.deliverDue(TEST_OUTBOX, (row) => Promise.resolve(void attempts.push(row.attempt)).then(() => done));
    expect(attempts).toEqual([3]);
    expect(await rows()).toEqual([{ id, secret: null, status: 'done', attempts: 3, last_error: null, leased: false, finished: true }]);
  });

  it('finishes a row as failed after its last attempt, keeping no payload and no message', async () => {
    const [id] = await queue(1);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await first.outbox.deliverDue(TEST_OUTBOX, () => Promise.reject(new Error('the payload was secret 1')));
      await makeDue();
    }
    expect(await rows()).toEqual([{ id, secret: null, status: 'failed', attempts: 3, last_error: 'Error', leased: false, finished: true }]);
    expect(await first.outbox.claim(TEST_OUTBOX)).toEqual([]);
  });

  it('finishes as failed a row whose last attempt never reported back (its worker died) once that lease has run out', async () => {
    const [id] = await queue(1);
    await superuser.query(`UPDATE test_outbox SET attempts = 2`);
    expect(await first.outbox.claim(TEST_OUTBOX)).toHaveLength(1); // the third and last attempt, then nothing is heard
    await superuser.query(`UPDATE test_outbox SET claimed_until = now() - interval '1 second'`);
    expect(await second.outbox.claim(TEST_OUTBOX)).toEqual([]);
    expect(await rows()).toEqual([
      { id, secret: null, status: 'failed', attempts: 3, last_error: 'LEASE_EXPIRED', leased: false, finished: true },
    ]);
  });

  it('finishes a never-deliverable row at once', async () => {
    const [id] = await queue(1);
    const pass = await first.outbox.deliverDue(TEST_OUTBOX, () => Promise.resolve({ outcome: 'failed', errorCode: 'NO_SUCH_RECIPIENT' }));
    expect(pass).toMatchObject({ failed: 1, lastErrorCode: 'NO_SUCH_RECIPIENT' });
    expect(await rows()).toEqual([
      { id, secret: null, status: 'failed', attempts: 1, last_error: 'NO_SUCH_RECIPIENT', leased: false, finished: true },
    ]);
  });

  it('records the rest of a batch when the database refuses one of its outcomes, and leaves that one claimed', async () => {
    const ids = await queue(3);
    const poison = ids[1]!;
    const pass = await first.outbox.deliverDue(TEST_OUTBOX, () => Promise.resolve(done), {
      afterRecords: async (recorded) => {
        // What a refused insert does to the recording transaction (a CHECK on a column of the attempt log, say).
        if (recorded.some(({ row }) => row.id === poison)) await first.unitOfWork.manager.query(`SELECT 1 / 0`);
      },
    });
    expect(pass).toMatchObject({ delivered: 2, unrecorded: 1, lastErrorCode: 'RECORD_FAILED' });
    const byId = new Map((await rows()).map((row) => [row.id, row]));
    expect(ids.filter((id) => id !== poison).map((id) => byId.get(id)!.status)).toEqual(['done', 'done']);
    expect(byId.get(poison)).toMatchObject({ status: 'pending', leased: true });
  });
});
