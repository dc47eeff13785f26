import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

type Environment = 'live' | 'test';
type PolicyState = 'draft' | 'active' | 'retired' | 'discarded';
type TransferStatus = 'submitted' | 'pending' | 'approved' | 'rejected' | 'failed';
type Settings = Record<string, string>;
interface Place {
  readonly workspaceId: string;
  readonly environment: Environment;
}
/** What `furnish` leaves in a place: an active and a draft version, a decided transfer, its reservation. */
interface Furnished {
  readonly active: string;
  readonly draft: string;
  readonly transfer: string;
  readonly reservation: string;
}

const KEY = 'api_key:K1';
const ACME = 'provider:acme';
const OTHER = 'provider:other';
const ADMIN = 'admin:00000000-0000-0000-0000-000000000001';
const TABLES = ['policy_versions', 'transfers', 'cosigner_requests', 'cosigner_cap_reservations', 'domain_events'] as const;

/** The settings the unit of work sets for a workspace's principal (a key, or a provider once it knows the workspace). */
const at = (place: Place, actor: string = KEY): Settings => ({
  'app.workspace_id': place.workspaceId,
  'app.environment': place.environment,
  'app.actor': actor,
  'app.platform': 'off',
});
/** An admin's or a worker's transaction: the platform path. */
const onPlatform = (actor: string = ADMIN): Settings => ({ 'app.platform': 'on', 'app.actor': actor });

/** Sets these `app.*` settings for the rest of the transaction (as the unit of work does when it begins one). */
async function actAs(client: Client, settings: Settings): Promise<void> {
  for (const [name, value] of Object.entries(settings)) await client.query('SELECT set_config($1, $2, true)', [name, value]);
}

async function committed(client: Client, settings: Settings, work: () => Promise<unknown>): Promise<void> {
  await client.query('BEGIN');
  await actAs(client, settings);
  await work();
  await client.query('COMMIT');
}

type Row = Record<string, unknown>;

/** Inserts `row` (column → value) into `table` as it stands, answering its id. */
async function insertRow(client: Client, table: 'policy_versions' | 'transfers', row: Row): Promise<string> {
  const columns = Object.keys(row);
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING id`,
    Object.values(row),
  );
  return rows[0]!.id;
}

/** Runs `statement`, which must change exactly one row: a fixture that moved nothing would test something else. */
async function moveOne(client: Client, statement: string, values: unknown[]): Promise<void> {
  const { rowCount } = await client.query(statement, values);
  if (rowCount !== 1) throw new Error(`the fixture moved ${rowCount} rows, not one: ${statement}`);
}

/** `work` with `app.actor` set to `actor`, then the transaction's own actor again (a failed statement's savepoint rollback restores it too). */
async function actingAs(client: Client, actor: string, work: () => Promise<unknown>): Promise<void> {
  const { rows } = await client.query<{ actor: string | null }>(`SELECT current_setting('app.actor', true) AS actor`);
  await actAs(client, { 'app.actor': actor });
  await work();
  await actAs(client, { 'app.actor': rows[0]!.actor ?? '' });
}

/** A version's columns as the app inserts one: a draft, never activated or retired. */
const policyRow = (place: Place, version: number): Row => ({
  workspace_id: place.workspaceId,
  environment: place.environment,
  version,
  document: '{"rules": []}',
  state: 'draft',
  created_by: KEY,
});

/** A version as the app writes one (a draft), moved to `state` as the app moves it (activation, retirement, discarding). */
async function insertPolicy(client: Client, place: Place, version: number, state: PolicyState): Promise<string> {
  const id = await insertRow(client, 'policy_versions', policyRow(place, version));
  if (state === 'discarded') await moveOne(client, `UPDATE policy_versions SET state = 'discarded' WHERE id = $1`, [id]);
  if (state === 'active' || state === 'retired') {
    await moveOne(client, `UPDATE policy_versions SET state = 'active', activated_at = now(), activated_by = $2 WHERE id = $1`, [id, KEY]);
  }
  if (state === 'retired') await moveOne(client, `UPDATE policy_versions SET state = 'retired', retired_at = now() WHERE id = $1`, [id]);
  return id;
}

interface TransferOptions {
  readonly provider?: string;
  readonly status?: TransferStatus;
  readonly amount?: string;
  readonly externalTxId?: string;
  /** The version a decision (approved, rejected) names. */
  readonly policyVersionId?: string;
}

/** A transfer's columns as the app inserts one: submitted, nothing decided. */
const transferRow = (place: Place, key: string, options: TransferOptions = {}): Row => ({
  workspace_id: place.workspaceId,
  environment: place.environment,
  idempotency_key: key,
  external_tx_id: options.externalTxId ?? `${place.workspaceId}:${place.environment}:${key}`,
  provider: options.provider ?? 'acme',
  asset: 'ETH',
  amount: options.amount ?? '1.5',
  source: '{"type": "VAULT_ACCOUNT", "id": "0"}',
  destination: '{"type": "ONE_TIME_ADDRESS", "address": "0xab"}',
  status: 'submitted',
  created_by: KEY,
});

/**
 * A transfer inserted as the app inserts one, then moved to `status` (pending unless told)
 * as the app moves it: its provider, within the same transaction, takes it (pending, with its
 * transaction id), then decides it or fails it.
 */
async function insertTransfer(client: Client, place: Place, key: string, options: TransferOptions = {}): Promise<string> {
  const id = await insertRow(client, 'transfers', transferRow(place, key, options));
  const status = options.status ?? 'pending';
  if (status === 'submitted') return id;
  await actingAs(client, `provider:${options.provider ?? 'acme'}`, async () => {
    await moveOne(client, `UPDATE transfers SET status = 'pending', provider_tx_id = $2 WHERE id = $1`, [id, `tx-${key}`]);
    if (status === 'approved' || status === 'rejected') {
      const approved = status === 'approved';
      await moveOne(
        client,
        `UPDATE transfers SET status = $2, policy_version_id = $3, rule_name = $4, reason = $5, decided_at = now() WHERE id = $1`,
        [id, status, options.policyVersionId ?? null, approved ? 'daily payouts' : null, approved ? 'rule_approved' : 'no_rule_matched'],
      );
    }
    if (status === 'failed')
      await moveOne(client, `UPDATE transfers SET status = 'failed', reason = 'provider_failed' WHERE id = $1`, [id]);
  });
  return id;
}

async function insertReservation(client: Client, place: Place, transferId: string, amount = '1.5'): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO cosigner_cap_reservations (workspace_id, environment, rule_name, asset, amount, transfer_id)
     VALUES ($1, $2, 'daily payouts', 'ETH', $3, $4) RETURNING id`,
    [place.workspaceId, place.environment, amount, transferId],
  );
  return rows[0]!.id;
}

/** A provider's signing request: attributed to `place` (or to none), open or with its final answer. */
async function insertRequest(
  client: Client,
  request: { provider: string; requestId: string; place: Place | null; transferId?: string; final?: { policyVersionId: string } },
  onConflict = '',
): Promise<number | null> {
  const final = request.final !== undefined;
  return (
    await client.query(
      `INSERT INTO cosigner_requests (provider, request_id, kind, workspace_id, environment, payload_sha256, transfer_id, state, action, answer,
                                      policy_version_id, rule_name, decided_at)
       VALUES ($1, $2, 'tx_sign', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ${onConflict}`,
      [
        request.provider,
        request.requestId,
        request.place?.workspaceId ?? null,
        request.place?.environment ?? null,
        randomBytes(32),
        request.transferId ?? null,
        final ? 'final' : 'open',
        final ? 'APPROVE' : null,
        final ? 'eyJhbGciOiJSUzI1NiJ9.eyJhY3Rpb24iOiJBUFBST1ZFIn0.c2ln' : null,
        request.final?.policyVersionId ?? null,
        final ? 'payouts' : null,
        final ? new Date() : null,
      ],
    )
  ).rowCount;
}

async function insertEvent(client: Client, place: Place, type = 'transfer.approved'): Promise<number | null> {
  return (
    await client.query(`INSERT INTO domain_events (workspace_id, environment, type, subject_id, payload) VALUES ($1, $2, $3, NULL, '{}')`, [
      place.workspaceId,
      place.environment,
      type,
    ])
  ).rowCount;
}

/**
 * One place's rows, committed as the application writes them: as a key, an active and a
 * draft policy version, a transfer for acme (taken and approved under the active version by
 * acme), its reservation and an event; as acme, an open request (`label`) and a final one
 * (`label-final`) about that transfer.
 */
async function furnish(client: Client, place: Place, label: string): Promise<Furnished> {
  let furnished: Furnished | undefined;
  await committed(client, at(place), async () => {
    const active = await insertPolicy(client, place, 1, 'active');
    const draft = await insertPolicy(client, place, 2, 'draft');
    const transfer = await insertTransfer(client, place, 'payout-1', { status: 'approved', policyVersionId: active });
    const reservation = await insertReservation(client, place, transfer);
    await insertEvent(client, place);
    furnished = { active, draft, transfer, reservation };
  });
  await committed(client, at(place, ACME), async () => {
    await insertRequest(client, { provider: 'acme', requestId: label, place, transferId: furnished!.transfer });
    await insertRequest(client, {
      provider: 'acme',
      requestId: `${label}-final`,
      place,
      transferId: furnished!.transfer,
      final: { policyVersionId: furnished!.active },
    });
  });
  return furnished!;
}

/** `work` as a statement that fails: its error, the transaction going on (a savepoint around it); undefined when it succeeds. */
async function failureOf(client: Client, work: () => Promise<unknown>): Promise<unknown> {
  await client.query('SAVEPOINT attempt');
  const error = await work().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  await client.query('ROLLBACK TO SAVEPOINT attempt');
  return error;
}

/** The cosigner's tables under row-level security, column grants and triggers, as the app role with hand-written SQL. */
describe('cosigner tables in PostgreSQL (as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let aLive: Place;
  let aTest: Place;
  let bLive: Place;
  /** A workspace with nothing in it, for rows made and rolled back within a test. */
  let cLive: Place;
  const furnishedIn: Partial<Record<'aLive' | 'aTest' | 'bLive', Furnished>> = {};
  let otherTransfer: string;

  const inTransaction = <T>(settings: Settings, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  const refused = async (work: () => Promise<unknown>, pattern: RegExp) =>
    expect(await failureOf(app, work)).toMatchObject({ message: expect.stringMatching(pattern) });
  const furnished = (name: 'aLive' | 'aTest' | 'bLive'): Furnished => furnishedIn[name]!;
  const placesIn = async (client: Client, table: string) =>
    (
      await client.query<{ workspace: string | null; environment: string | null }>(
        `SELECT DISTINCT workspace_id::text AS workspace, environment FROM ${table} ORDER BY 1, 2`,
      )
    ).rows;
  const countOf = async (table: string) => (await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const requestIds = async () =>
    (await app.query<{ request_id: string }>('SELECT request_id FROM cosigner_requests ORDER BY 1')).rows.map((row) => row.request_id);

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    let ids: string[] = [];
    await committed(app, onPlatform(), async () => {
      ids = (await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B'), ('C') RETURNING id`)).rows.map(
        (row) => row.id,
      );
    });
    const [a, b, c] = ids as [string, string, string];
    [aLive, aTest, bLive, cLive] = [
      { workspaceId: a, environment: 'live' },
      { workspaceId: a, environment: 'test' },
      { workspaceId: b, environment: 'live' },
      { workspaceId: c, environment: 'live' },
    ];
    furnishedIn.aLive = await furnish(app, aLive, 'a-live');
    furnishedIn.aTest = await furnish(app, aTest, 'a-test');
    furnishedIn.bLive = await furnish(app, bLive, 'b-live');
    // Another provider's transfer and request in A's live world, and a request of acme's that names no transfer of ours.
    await committed(app, at(aLive), async () => {
      otherTransfer = await insertTransfer(app, aLive, 'payout-other', { provider: 'other' });
    });
    await committed(app, at(aLive, OTHER), () =>
      insertRequest(app, { provider: 'other', requestId: 'other-a-live', place: aLive, transferId: otherTransfer }),
    );
    await committed(app, { 'app.actor': ACME }, () => insertRequest(app, { provider: 'acme', requestId: 'stray', place: null }));
  });

  describe('every table', () => {
    it('shows a workspace’s transaction its own workspace and environment only (test never sees live)', async () => {
      for (const [place, actor] of [
        [aLive, KEY],
        [aLive, ACME],
        [aTest, KEY],
        [bLive, ACME],
      ] as const) {
        await inTransaction(at(place, actor), async () => {
          const own = [{ workspace: place.workspaceId, environment: place.environment }];
          for (const table of ['policy_versions', 'transfers', 'cosigner_cap_reservations']) {
            expect({ table, actor, places: await placesIn(app, table) }).toEqual({ table, actor, places: own });
          }
        });
      }
      await inTransaction(at(aTest, ACME), async () => {
        expect(await requestIds()).toEqual(['a-test', 'a-test-final', 'stray']);
      });
    });

    it('lets a workspace’s transaction write in its own workspace and environment only [V8.4.1]', async () => {
      await inTransaction(at(aLive), async () => {
        for (const elsewhere of [bLive, aTest]) {
          const transfer = elsewhere === bLive ? furnished('bLive').transfer : furnished('aTest').transfer;
          await refused(() => insertPolicy(app, elsewhere, 9, 'discarded'), /row-level security/);
          await refused(() => insertTransfer(app, elsewhere, 'planted'), /row-level security/);
          await refused(() => insertReservation(app, elsewhere, transfer), /row-level security/);
          await refused(() => insertEvent(app, elsewhere), /row-level security/);
        }
        const notOwn = `NOT (workspace_id = $1 AND environment = 'live')`;
        for (const statement of [
          `UPDATE policy_versions SET state = 'discarded' WHERE state = 'draft' AND ${notOwn}`,
          `UPDATE transfers SET status = 'failed' WHERE ${notOwn}`,
          `UPDATE cosigner_cap_reservations SET released_at = now() WHERE ${notOwn}`,
        ]) {
          expect({ statement, rowCount: (await app.query(statement, [aLive.workspaceId])).rowCount }).toEqual({ statement, rowCount: 0 });
        }
        expect(await insertEvent(app, aLive)).toBe(1);
      });
      await inTransaction(at(aLive, ACME), async () => {
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'planted', place: bLive }), /row-level security/);
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'planted', place: aTest }), /row-level security/);
        const elsewhere = await app.query(`UPDATE cosigner_requests SET reason = 'x' WHERE workspace_id <> $1 OR environment <> 'live'`, [
          aLive.workspaceId,
        ]);
        expect(elsewhere.rowCount).toBe(0);
      });
    });

    it('shows nothing when the transaction says nothing, or only half of where it acts (fail closed)', async () => {
      for (const settings of [
        {},
        { 'app.workspace_id': aLive.workspaceId, 'app.actor': KEY },
        { 'app.environment': 'live', 'app.actor': KEY },
        { 'app.platform': 'off' },
      ] as Settings[]) {
        await inTransaction(settings, async () => {
          for (const table of TABLES) expect({ settings, table, n: await countOf(table) }).toEqual({ settings, table, n: 0 });
        });
      }
      // A workspace and environment but no provider: no request (they are the provider's), the rest as usual.
      await inTransaction({ 'app.workspace_id': aLive.workspaceId, 'app.environment': 'live' }, async () => {
        expect(await countOf('cosigner_requests')).toBe(0);
        expect(await countOf('policy_versions')).toBe(2);
      });
    });

    it('shows the platform path every row of every table', async () => {
      for (const table of TABLES) {
        const everywhere = await placesIn(db.superuser, table);
        expect(everywhere.filter((place) => place.workspace !== null)).toHaveLength(3);
        await inTransaction(onPlatform(), async () => {
          expect({ table, places: await placesIn(app, table) }).toEqual({ table, places: everywhere });
          const all = Number((await db.superuser.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
          expect({ table, n: await countOf(table) }).toEqual({ table, n: all });
        });
      }
    });

    it('lets the platform path write policy versions (and append events), never transfers, requests or reservations', async () => {
      await inTransaction(onPlatform(), async () => {
        expect((await app.query(`UPDATE policy_versions SET state = 'discarded' WHERE id = $1`, [furnished('bLive').draft])).rowCount).toBe(
          1,
        );
        await insertPolicy(app, bLive, 3, 'draft');
        expect(await insertEvent(app, bLive)).toBe(1);
        await refused(() => insertTransfer(app, bLive, 'by-admin'), /row-level security/);
        await refused(() => insertReservation(app, bLive, furnished('bLive').transfer), /row-level security/);
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'by-admin', place: bLive }), /row-level security/);
        for (const statement of [
          `UPDATE transfers SET status = 'failed'`,
          `UPDATE cosigner_cap_reservations SET released_at = now()`,
          `UPDATE cosigner_requests SET reason = 'x'`,
        ]) {
          expect({ statement, rowCount: (await app.query(statement)).rowCount }).toEqual({ statement, rowCount: 0 });
        }
        for (const table of TABLES) await refused(() => app.query(`DELETE FROM ${table}`), /permission denied/);
      });
    });
  });

  describe('cosigner_requests', () => {
    it('shows a request to its own provider only: a tenant row in its workspace and environment, an unattributed row anywhere', async () => {
      const seen: Record<string, string[]> = {};
      for (const [name, settings] of [
        ['acme in A live', at(aLive, ACME)],
        ['acme in B live', at(bLive, ACME)],
        ['acme, no workspace', { 'app.actor': ACME }],
        ['other in A live', at(aLive, OTHER)],
        ['other, no workspace', { 'app.actor': OTHER }],
        ['a key of A live', at(aLive, KEY)],
        ['an unnamed provider in A live', at(aLive, 'provider:')],
        ['a system actor named acme', { 'app.actor': 'system:acme' }],
      ] as const) {
        seen[name] = await inTransaction(settings, requestIds);
      }
      expect(seen).toEqual({
        'acme in A live': ['a-live', 'a-live-final', 'stray'],
        'acme in B live': ['b-live', 'b-live-final', 'stray'],
        'acme, no workspace': ['stray'],
        'other in A live': ['other-a-live'],
        'other, no workspace': [],
        'a key of A live': [],
        'an unnamed provider in A live': [],
        'a system actor named acme': [],
      });
    });

    it('lets a provider write its own requests only', async () => {
      await inTransaction(at(aLive, OTHER), async () => {
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'forged', place: aLive }), /row-level security/);
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'forged', place: null }), /row-level security/);
        expect((await app.query(`UPDATE cosigner_requests SET reason = 'x' WHERE provider = 'acme'`)).rowCount).toBe(0);
      });
      await inTransaction(at(aLive, KEY), async () => {
        await refused(() => insertRequest(app, { provider: 'acme', requestId: 'by-key', place: aLive }), /row-level security/);
      });
    });

    it('holds (provider, request id) unique across workspaces, and a conflict with a row the provider cannot see reveals only itself', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        // B's request, from A's transaction: refused, with no key or row in the error (row-level security hides the detail).
        const conflict = { provider: 'acme', requestId: 'b-live', place: aLive };
        const error = await failureOf(app, () => insertRequest(app, conflict));
        expect(error).toMatchObject({ code: '23505', constraint: 'cosigner_requests_pkey' });
        expect((error as { detail?: string }).detail).toBeUndefined();
        // ON CONFLICT DO NOTHING: no row inserted, none returned (the insert's count is all it tells).
        expect(await insertRequest(app, conflict, 'ON CONFLICT DO NOTHING RETURNING *')).toBe(0);
        // ON CONFLICT DO UPDATE: the row it would update is not the provider's here, so the statement fails.
        await refused(
          () => insertRequest(app, conflict, `ON CONFLICT (provider, request_id) DO UPDATE SET reason = 'overwritten'`),
          /row-level security policy \(USING expression\)/,
        );
      });
      // Where row security does not apply, the same conflict names its key.
      await expect(
        db.superuser.query(`INSERT INTO cosigner_requests SELECT * FROM cosigner_requests WHERE request_id = 'b-live'`),
      ).rejects.toMatchObject({
        detail: 'Key (provider, request_id)=(acme, b-live) already exists.',
      });
      const untouched = await db.superuser.query(`SELECT workspace_id, reason FROM cosigner_requests WHERE request_id = 'b-live'`);
      expect(untouched.rows).toEqual([{ workspace_id: bLive.workspaceId, reason: null }]);
      // The id is the provider's own namespace: another provider may use it.
      await inTransaction(at(aLive, OTHER), async () => {
        expect(await insertRequest(app, { provider: 'other', requestId: 'b-live', place: aLive })).toBe(1);
      });
    });

    it('never changes a final answer, whoever asks (trigger), owner and superuser included', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        for (const change of [
          `state = 'open'`,
          `action = 'REJECT'`,
          `answer = 'forged'`,
          `reason = 'forged'`,
          `rule_name = 'forged'`,
          `decided_at = now()`,
          `transfer_id = NULL`,
          `policy_version_id = NULL`,
          `state = state`,
        ]) {
          await refused(
            () => app.query(`UPDATE cosigner_requests SET ${change} WHERE request_id = 'a-live-final'`),
            /a final cosigner answer never changes/,
          );
        }
      });
      const owner = await db.connect(db.ownerUrl);
      await inRolledBackTransaction(owner, at(aLive, ACME), async () => {
        await expect(owner.query(`UPDATE cosigner_requests SET answer = 'forged' WHERE request_id = 'a-live-final'`)).rejects.toThrow(
          /a final cosigner answer never changes/,
        );
      });
      await expect(db.superuser.query(`UPDATE cosigner_requests SET answer = 'forged' WHERE request_id = 'a-live-final'`)).rejects.toThrow(
        /a final cosigner answer never changes/,
      );
    });

    it('lets its provider attribute an unattributed request to a workspace, an environment and a transfer there', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        // Never to a place other than the one the transaction acts in.
        await refused(
          () =>
            app.query(`UPDATE cosigner_requests SET workspace_id = $1, environment = 'live' WHERE request_id = 'stray'`, [
              bLive.workspaceId,
            ]),
          /row-level security/,
        );
        const attributed = await app.query(
          `UPDATE cosigner_requests SET workspace_id = $1, environment = 'live', transfer_id = $2 WHERE request_id = 'stray'`,
          [aLive.workspaceId, furnished('aLive').transfer],
        );
        expect(attributed.rowCount).toBe(1);
        // Now A's live row: acme no longer sees it from B.
        await actAs(app, at(bLive, ACME));
        expect(await requestIds()).toEqual(['b-live', 'b-live-final']);
      });
    });

    it('keeps an attributed request where it is: never moved, unattributed or pointed at another transfer', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        for (const change of [
          `workspace_id = NULL, environment = NULL, transfer_id = NULL`,
          `workspace_id = NULL, environment = NULL`,
          `environment = 'test', transfer_id = '${furnished('aTest').transfer}'`,
          `workspace_id = '${bLive.workspaceId}', transfer_id = '${furnished('bLive').transfer}'`,
        ]) {
          await refused(
            () => app.query(`UPDATE cosigner_requests SET ${change} WHERE request_id = 'a-live'`),
            /a cosigner request attributed to a workspace stays there/,
          );
        }
        await refused(
          () => app.query(`UPDATE cosigner_requests SET transfer_id = NULL WHERE request_id = 'a-live'`),
          /a cosigner request's transfer, once named, stays/,
        );
      });
    });

    it('lets an unattributed request name no transfer or policy version (its foreign keys would check nothing)', async () => {
      await inTransaction({ 'app.actor': ACME }, async () => {
        await refused(
          () => insertRequest(app, { provider: 'acme', requestId: 'stray-2', place: null, transferId: furnished('bLive').transfer }),
          /cosigner_requests_unattributed_bare/,
        );
        await refused(
          () =>
            insertRequest(app, {
              provider: 'acme',
              requestId: 'stray-3',
              place: null,
              final: { policyVersionId: furnished('bLive').active },
            }),
          /cosigner_requests_unattributed_bare/,
        );
        expect(await insertRequest(app, { provider: 'acme', requestId: 'stray-4', place: null })).toBe(1);
      });
    });

    it('lets its provider decide an open request once', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        const decided = await app.query(
          `UPDATE cosigner_requests SET state = 'final', action = 'REJECT', reason = 'no_rule_matched', answer = 'x.y.z', decided_at = now()
            WHERE request_id = 'a-live'`,
        );
        expect(decided.rowCount).toBe(1);
        await refused(
          () => app.query(`UPDATE cosigner_requests SET action = 'APPROVE' WHERE request_id = 'a-live'`),
          /a final cosigner answer never changes/,
        );
      });
    });
  });

  describe('policy_versions', () => {
    it('never lets the app role rewrite a version’s document, number, place or authorship (column grants), nor delete one', async () => {
      await inTransaction(at(aLive), async () => {
        for (const change of [
          `document = '{"rules": [{"name": "all", "action": "APPROVE"}]}'`,
          `version = 7`,
          `workspace_id = '${bLive.workspaceId}'`,
          `environment = 'test'`,
          `created_at = now()`,
          `created_by = 'api_key:OTHER'`,
        ]) {
          await refused(
            () => app.query(`UPDATE policy_versions SET ${change} WHERE id = $1`, [furnished('aLive').draft]),
            /permission denied/,
          );
        }
        await refused(() => app.query(`DELETE FROM policy_versions WHERE id = $1`, [furnished('aLive').draft]), /permission denied/);
      });
    });

    it('takes a version only as the app writes one: a draft, never activated or retired (trigger), whoever inserts it', async () => {
      const born = /a policy version is inserted as a draft, never activated or retired/;
      const now = new Date();
      const unborn: Row[] = [
        { state: 'active', activated_at: now, activated_by: KEY },
        { state: 'retired', activated_at: now, activated_by: KEY, retired_at: now },
        { state: 'discarded' },
        { activated_at: now, activated_by: KEY },
        { retired_at: now },
      ];
      await inTransaction(at(cLive), async () => {
        for (const columns of unborn) await refused(() => insertRow(app, 'policy_versions', { ...policyRow(cLive, 1), ...columns }), born);
        await insertRow(app, 'policy_versions', policyRow(cLive, 1));
      });
      await expect(insertRow(db.superuser, 'policy_versions', { ...policyRow(cLive, 1), ...unborn[0] })).rejects.toThrow(born);
    });

    it('moves a version only draft → active → retired or draft → discarded, so nothing that ended comes back', async () => {
      const states: PolicyState[] = ['draft', 'active', 'retired', 'discarded'];
      const outcomes: Record<string, string> = {};
      for (const from of states) {
        for (const to of states) {
          await inTransaction(at(cLive), async () => {
            const id = await insertPolicy(app, cLive, 1, from);
            const error = await failureOf(app, () =>
              app.query(
                `UPDATE policy_versions SET state = $2::text,
                        activated_at = CASE WHEN $2::text = 'active' THEN now() ELSE activated_at END,
                        activated_by = CASE WHEN $2::text = 'active' THEN 'admin:x' ELSE activated_by END,
                        retired_at = CASE WHEN $2::text = 'retired' THEN now() END
                  WHERE id = $1`,
                [id, to],
              ),
            );
            const refusal = (error as { message?: string } | undefined)?.message;
            outcomes[`${from} → ${to}`] =
              refusal === undefined ? 'moves' : /goes draft → active → retired or draft → discarded/.test(refusal) ? 'refused' : refusal;
          });
        }
      }
      const moves = new Set(['draft → active', 'draft → discarded', 'active → retired']);
      expect(outcomes).toEqual(Object.fromEntries(Object.keys(outcomes).map((pair) => [pair, moves.has(pair) ? 'moves' : 'refused'])));
      expect(Object.keys(outcomes)).toHaveLength(16);
    });

    it('sets activated_at and activated_by once', async () => {
      await inTransaction(at(aLive), async () => {
        for (const change of [`activated_at = now() + interval '1 day'`, `activated_by = 'admin:someone-else'`]) {
          await refused(
            () =>
              app.query(`UPDATE policy_versions SET state = 'retired', retired_at = now(), ${change} WHERE id = $1`, [
                furnished('aLive').active,
              ]),
            /a version is activated once/,
          );
        }
        const retired = await app.query(`UPDATE policy_versions SET state = 'retired', retired_at = now() WHERE id = $1`, [
          furnished('aLive').active,
        ]);
        expect(retired.rowCount).toBe(1);
      });
    });

    it('holds one active and one draft version per workspace and environment, and each number once', async () => {
      await inTransaction(at(aLive), async () => {
        await refused(() => insertPolicy(app, aLive, 3, 'draft'), /policy_versions_one_draft/);
        await refused(
          () =>
            app.query(`UPDATE policy_versions SET state = 'active', activated_at = now(), activated_by = $2 WHERE id = $1`, [
              furnished('aLive').draft,
              KEY,
            ]),
          /policy_versions_one_active/,
        );
        // With no draft left in the way, the number alone is what refuses it.
        await refused(async () => {
          await app.query(`UPDATE policy_versions SET state = 'discarded' WHERE id = $1`, [furnished('aLive').draft]);
          await insertPolicy(app, aLive, 1, 'draft');
        }, /policy_versions_number_unique/);
        // Activation retires the active version first, in the same transaction.
        await app.query(`UPDATE policy_versions SET state = 'retired', retired_at = now() WHERE id = $1`, [furnished('aLive').active]);
        const activated = await app.query(
          `UPDATE policy_versions SET state = 'active', activated_at = now(), activated_by = $2 WHERE id = $1`,
          [furnished('aLive').draft, KEY],
        );
        expect(activated.rowCount).toBe(1);
      });
      // Each place has its own: the same numbers and states sit in A's test world and in B.
      expect((await db.superuser.query(`SELECT count(*)::int AS n FROM policy_versions WHERE state = 'active'`)).rows).toEqual([{ n: 3 }]);
    });

    it('lets a provider’s transaction read the workspace’s versions, never write one', async () => {
      await inTransaction(at(aLive, ACME), async () => {
        expect((await app.query(`SELECT state FROM policy_versions ORDER BY version`)).rows).toEqual([
          { state: 'active' },
          { state: 'draft' },
        ]);
        await refused(() => insertPolicy(app, aLive, 3, 'discarded'), /row-level security/);
        await refused(
          () => app.query(`UPDATE policy_versions SET state = 'retired', retired_at = now() WHERE id = $1`, [furnished('aLive').active]),
          /row-level security/,
        );
        await refused(
          () => app.query(`UPDATE policy_versions SET state = 'discarded' WHERE id = $1`, [furnished('aLive').draft]),
          /row-level security/,
        );
      });
    });

    it('lets a decision name only a version of its own workspace and environment (foreign keys)', async () => {
      await inTransaction(at(aLive), async () => {
        // The provider's decision (in the fixture, as acme) naming B's or A's test version.
        for (const version of [furnished('bLive').active, furnished('aTest').active]) {
          for (const status of ['approved', 'rejected'] as const) {
            await refused(() => insertTransfer(app, aLive, 'payout-2', { status, policyVersionId: version }), /foreign key/);
          }
        }
      });
      await inTransaction(at(aLive, ACME), async () => {
        await refused(
          () =>
            insertRequest(app, {
              provider: 'acme',
              requestId: 'borrowed-policy',
              place: aLive,
              transferId: furnished('aLive').transfer,
              final: { policyVersionId: furnished('bLive').active },
            }),
          /foreign key/,
        );
      });
    });
  });

  describe('transfers', () => {
    it('never lets the app role change what was asked (column grants), nor delete a transfer', async () => {
      await inTransaction(at(aLive), async () => {
        for (const change of [
          `asset = 'BTC'`,
          `amount = '1000000'`,
          `source = '{}'`,
          `destination = '{"type": "ONE_TIME_ADDRESS", "address": "0xevil"}'`,
          `idempotency_key = 'other'`,
          `external_tx_id = 'other'`,
          `provider = 'other'`,
          `workspace_id = '${bLive.workspaceId}'`,
          `updated_at = now()`,
          `version = 1`,
        ]) {
          await refused(
            () => app.query(`UPDATE transfers SET ${change} WHERE id = $1`, [furnished('aLive').transfer]),
            /permission denied/,
          );
        }
        await refused(() => app.query(`DELETE FROM transfers WHERE id = $1`, [furnished('aLive').transfer]), /permission denied/);
      });
    });

    it('takes a transfer only as the app inserts one: submitted, nothing decided, no provider transaction (trigger), whoever inserts it', async () => {
      const born = /a transfer is inserted submitted, with no decision or provider transaction/;
      const unborn: Row[] = [
        { status: 'pending' },
        { status: 'approved', policy_version_id: furnished('aLive').active, rule_name: 'daily payouts', decided_at: new Date() },
        { status: 'rejected', reason: 'no_rule_matched', decided_at: new Date() },
        { status: 'failed', reason: 'provider_failed' },
        { policy_version_id: furnished('aLive').active },
        { rule_name: 'daily payouts' },
        { reason: 'rule_approved' },
        { decided_at: new Date() },
        { provider_tx_id: 'tx-early' },
      ];
      await inTransaction(at(aLive), async () => {
        for (const [index, columns] of unborn.entries()) {
          await refused(() => insertRow(app, 'transfers', { ...transferRow(aLive, `born-${index}`), ...columns }), born);
        }
        await insertRow(app, 'transfers', transferRow(aLive, 'born'));
      });
      await expect(insertRow(db.superuser, 'transfers', { ...transferRow(aLive, 'born-approved'), ...unborn[1] })).rejects.toThrow(born);
    });

    it('keeps a rejected or failed transfer as it is, lets an approved one only fail, and decides an open one', async () => {
      const statuses: TransferStatus[] = ['submitted', 'pending', 'approved', 'rejected', 'failed'];
      const outcomes: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const from of statuses) {
        for (const to of statuses.filter((status) => status !== from)) {
          // Only what the trigger promises: decided statuses, and an open transfer reaching each decision.
          if ((from === 'submitted' || from === 'pending') && (to === 'submitted' || to === 'pending')) continue;
          await inTransaction(at(aLive), async () => {
            const id = await insertTransfer(app, aLive, `moves-${from}-${to}`, { status: from });
            // As the transfer's provider, who may make every move the status allows.
            await actAs(app, { 'app.actor': ACME });
            const error = await failureOf(app, () => app.query(`UPDATE transfers SET status = $2 WHERE id = $1`, [id, to]));
            const refusal = (error as { message?: string } | undefined)?.message;
            outcomes[`${from} → ${to}`] =
              refusal === undefined ? 'moves' : /transfer stays|approved transfer may only fail/.test(refusal) ? 'refused' : refusal;
          });
          expected[`${from} → ${to}`] =
            from === 'submitted' || from === 'pending' || (from === 'approved' && to === 'failed') ? 'moves' : 'refused';
        }
      }
      expect(outcomes).toEqual(expected);
      expect(Object.values(expected).filter((outcome) => outcome === 'refused')).toHaveLength(11);
    });

    it('lets only the transfer’s own provider decide it, and only that provider or the system fail it (trigger)', async () => {
      const outcomes: Record<string, string> = {};
      const moveAs = async (client: Client, id: string, to: TransferStatus, label: string) => {
        const error = await failureOf(client, () => client.query(`UPDATE transfers SET status = $2 WHERE id = $1`, [id, to]));
        const refusal = (error as { message?: string } | undefined)?.message;
        outcomes[label] =
          refusal === undefined
            ? 'moves'
            : /only its provider (decides|or the system fails) a transfer/.test(refusal)
              ? 'refused'
              : refusal;
      };
      // In a workspace's transaction, where row security lets each of them write A's transfers: only the trigger tells them apart.
      // (An admin's and a worker's own transactions are on the platform path, which writes no transfer: below.)
      for (const actor of [KEY, ADMIN, 'system:transfers', ACME]) {
        for (const to of ['approved', 'rejected', 'failed'] as const) {
          await inTransaction(at(aLive), async () => {
            const id = await insertTransfer(app, aLive, `by-${actor}-${to}`);
            await actAs(app, { 'app.actor': actor });
            await moveAs(app, id, to, `${actor} → ${to}`);
          });
        }
      }
      // Past row security (a superuser): still the transfer's own provider, not another, not a transaction that names none.
      for (const [actor, settings] of [
        ['superuser as acme', { 'app.actor': ACME }],
        ['superuser as other', { 'app.actor': OTHER }],
        ['superuser as nobody', {}],
      ] as const) {
        await inRolledBackTransaction(db.superuser, settings, () => moveAs(db.superuser, otherTransfer, 'approved', `${actor} → approved`));
      }
      expect(outcomes).toEqual({
        [`${KEY} → approved`]: 'refused',
        [`${KEY} → rejected`]: 'refused',
        [`${KEY} → failed`]: 'refused',
        [`${ADMIN} → approved`]: 'refused',
        [`${ADMIN} → rejected`]: 'refused',
        [`${ADMIN} → failed`]: 'refused',
        'system:transfers → approved': 'refused',
        'system:transfers → rejected': 'refused',
        'system:transfers → failed': 'moves',
        [`${ACME} → approved`]: 'moves',
        [`${ACME} → rejected`]: 'moves',
        [`${ACME} → failed`]: 'moves',
        'superuser as acme → approved': 'refused',
        'superuser as other → approved': 'moves',
        'superuser as nobody → approved': 'refused',
      });
      // The platform path writes no transfer, a worker's included (a failure is recorded as the transfer's provider).
      for (const actor of [ADMIN, 'system:transfers']) {
        await inTransaction(onPlatform(actor), async () => {
          const failing = await app.query(`UPDATE transfers SET status = 'failed', reason = 'provider_refused:x' WHERE status = 'pending'`);
          expect({ actor, rowCount: failing.rowCount }).toEqual({ actor, rowCount: 0 });
        });
      }
    });

    it('keeps a recorded decision: its version, rule and time never change, its reason only as an approved transfer fails (trigger)', async () => {
      const decisionStays = /a transfer's decision is written once, as its provider decides it/;
      const reasonStays = /a transfer's reason is written only as it is decided or fails/;
      const change = (id: string, columns: string) => app.query(`UPDATE transfers SET ${columns} WHERE id = $1`, [id]);
      await inTransaction(at(aLive, ACME), async () => {
        const approved = furnished('aLive').transfer;
        for (const columns of [
          `policy_version_id = NULL`,
          `policy_version_id = '${furnished('aLive').draft}'`,
          `rule_name = 'another rule'`,
          `rule_name = NULL`,
          `decided_at = now()`,
          `decided_at = NULL`,
          `status = 'failed', reason = 'provider_failed', decided_at = now()`,
          `status = 'failed', reason = 'provider_failed', rule_name = NULL`,
        ]) {
          await refused(() => change(approved, columns), decisionStays);
        }
        for (const columns of [`reason = 'rewritten'`, `reason = NULL`]) await refused(() => change(approved, columns), reasonStays);
        const rejected = await insertTransfer(app, aLive, 'decided-rejected', {
          status: 'rejected',
          policyVersionId: furnished('aLive').active,
        });
        await refused(() => change(rejected, `reason = 'rewritten'`), reasonStays);
        // The provider fails the approved transfer, saying why; then that reason stays too.
        expect((await change(approved, `status = 'failed', reason = 'provider_failed'`)).rowCount).toBe(1);
        await refused(() => change(approved, `reason = 'rewritten'`), reasonStays);
      });
      // Past row security and column grants too.
      await expect(
        db.superuser.query(`UPDATE transfers SET rule_name = 'forged' WHERE id = $1`, [furnished('bLive').transfer]),
      ).rejects.toThrow(decisionStays);
    });

    it('writes a decision only as the provider decides: nobody records one on an open transfer, so none stands in the cosigner’s way', async () => {
      const change = (id: string, columns: string) => app.query(`UPDATE transfers SET ${columns} WHERE id = $1`, [id]);
      const early = [
        `decided_at = now()`,
        `policy_version_id = '${furnished('aLive').active}'`,
        `rule_name = 'daily payouts'`,
        `decided_at = now(), policy_version_id = '${furnished('aLive').active}', rule_name = 'daily payouts'`,
      ];
      await inTransaction(at(aLive), async () => {
        const open = await insertTransfer(app, aLive, 'open');
        for (const actor of [KEY, ACME]) {
          await actAs(app, { 'app.actor': actor });
          for (const columns of early)
            await refused(() => change(open, columns), /a transfer's decision is written once, as its provider decides it/);
          await refused(() => change(open, `reason = 'rule_approved'`), /a transfer's reason is written only as it is decided or fails/);
        }
        // Acme's decision writes them all, with the status.
        const decided = await change(
          open,
          `status = 'approved', policy_version_id = '${furnished('aLive').active}', rule_name = 'daily payouts', reason = 'rule_approved',
           decided_at = now()`,
        );
        expect(decided.rowCount).toBe(1);
      });
    });

    it('sets a transfer’s provider transaction id once: from none to one, never changed or taken back (trigger)', async () => {
      const setOnce = /a transfer's provider transaction id is set once/;
      const change = (id: string, value: string | null) =>
        app.query(`UPDATE transfers SET provider_tx_id = $2 WHERE id = $1 RETURNING provider_tx_id`, [id, value]);
      await inTransaction(at(aLive, ACME), async () => {
        const id = await insertTransfer(app, aLive, 'tx-once', { status: 'submitted' });
        expect((await change(id, 'tx-1')).rows).toEqual([{ provider_tx_id: 'tx-1' }]);
        // Written again as it is (the submission's coalesce after a decision recorded it): no change.
        expect((await change(id, 'tx-1')).rows).toEqual([{ provider_tx_id: 'tx-1' }]);
        for (const value of ['tx-2', null]) await refused(() => change(id, value), setOnce);
        for (const value of ['tx-2', null]) await refused(() => change(furnished('aLive').transfer, value), setOnce);
      });
      await expect(
        db.superuser.query(`UPDATE transfers SET provider_tx_id = 'forged' WHERE id = $1`, [furnished('bLive').transfer]),
      ).rejects.toThrow(setOnce);
    });

    it('counts every change in version and updated_at (trigger)', async () => {
      const before = await db.superuser.query<{ updated_at: Date; version: number }>(
        `SELECT updated_at, version FROM transfers WHERE id = $1`,
        [furnished('aLive').transfer],
      );
      // Inserted as version 1, then taken (pending) and approved by its provider.
      expect(before.rows[0]!.version).toBe(3);
      await inTransaction(at(aLive, ACME), async () => {
        for (const expected of [4, 5]) {
          const { rows } = await app.query<{ version: number; fresh: boolean }>(
            `UPDATE transfers SET status = 'failed', reason = 'provider_failed' WHERE id = $1 RETURNING version, updated_at = now() AS fresh`,
            [furnished('aLive').transfer],
          );
          expect(rows).toEqual([{ version: expected, fresh: true }]);
        }
        expect(
          (await app.query<{ moved: boolean }>(`SELECT now() <> $1::timestamptz AS moved`, [before.rows[0]!.updated_at])).rows,
        ).toEqual([{ moved: true }]);
      });
    });

    it('shows a provider’s transaction its own provider’s transfers only, and lets it write no other’s', async () => {
      const transfersSeen = async () =>
        (await app.query<{ idempotency_key: string }>('SELECT idempotency_key FROM transfers ORDER BY 1')).rows.map(
          (row) => row.idempotency_key,
        );
      await inTransaction(at(aLive), async () => {
        expect(await transfersSeen()).toEqual(['payout-1', 'payout-other']);
      });
      await inTransaction(at(aLive, ACME), async () => {
        expect(await transfersSeen()).toEqual(['payout-1']);
      });
      await inTransaction(at(aLive, OTHER), async () => {
        expect(await transfersSeen()).toEqual(['payout-other']);
        expect((await app.query(`UPDATE transfers SET status = 'failed' WHERE id = $1`, [furnished('aLive').transfer])).rowCount).toBe(0);
        await refused(() => insertTransfer(app, aLive, 'for-acme', { provider: 'acme' }), /row-level security/);
        // Nor does its request name acme's transfer, whose id it may know from elsewhere (foreign keys read past row security).
        await refused(
          () =>
            insertRequest(app, {
              provider: 'other',
              requestId: 'borrowed-transfer',
              place: aLive,
              transferId: furnished('aLive').transfer,
            }),
          /foreign key/,
        );
      });
      await inTransaction(at(aLive, 'provider:'), async () => {
        expect(await transfersSeen()).toEqual([]);
      });
    });

    it('holds external_tx_id unique everywhere and an idempotency key once per workspace and environment', async () => {
      await inTransaction(at(aLive), async () => {
        const taken = `${aLive.workspaceId}:live:payout-1`;
        await refused(() => insertTransfer(app, aLive, 'payout-2', { externalTxId: taken }), /transfers_external_tx_id_key/);
        await refused(
          () => insertTransfer(app, aLive, 'payout-1', { externalTxId: `${aLive.workspaceId}:live:payout-1-again` }),
          /transfers_key_unique/,
        );
      });
      // The same key in the other environment and in another workspace is another transfer (the fixtures: payout-1 in each).
      const { rows } = await db.superuser.query(`SELECT count(*)::int AS n FROM transfers WHERE idempotency_key = 'payout-1'`);
      expect(rows).toEqual([{ n: 3 }]);
    });

    it('takes an external_tx_id only in its own workspace’s and environment’s namespace, so none tells of another’s', async () => {
      await inTransaction(at(aLive), async () => {
        // B's existing transfer and one B never made are refused alike: no unique violation to probe with.
        for (const externalTxId of [
          `${bLive.workspaceId}:live:payout-1`,
          `${bLive.workspaceId}:live:never-made`,
          `${aLive.workspaceId}:test:payout-9`,
          `payout-9`,
        ]) {
          await refused(() => insertTransfer(app, aLive, 'payout-9', { externalTxId }), /transfers_external_tx_id_place/);
        }
        await insertTransfer(app, aLive, 'payout-9');
      });
    });

    it('takes an amount only as a plain decimal string', async () => {
      await inTransaction(at(aLive), async () => {
        const refusals: string[] = [];
        const malformed = ['1e5', '-1', '+1', '01', '1.', '.5', ' 1', '1 ', '1\n', 'NaN', 'Infinity', '0x10', '1,5', '', '1'.repeat(81)];
        for (const [index, amount] of malformed.entries()) {
          const error = await failureOf(app, () => insertTransfer(app, aLive, `amount-${index}`, { amount }));
          if ((error as { constraint?: string } | undefined)?.constraint === 'transfers_amount_check') refusals.push(amount);
        }
        expect(refusals).toEqual(malformed);
        for (const amount of ['0', '0.000000000000000001', '1.50', '123456789012345678901234567890']) {
          await insertTransfer(app, aLive, `amount-${amount}`, { amount });
        }
      });
    });
  });

  describe('cosigner_cap_reservations', () => {
    it('lets the app role only release a reservation (column grants), never delete one', async () => {
      await inTransaction(at(aLive), async () => {
        for (const change of [
          `amount = 0`,
          `rule_name = 'other'`,
          `asset = 'BTC'`,
          `transfer_id = '${otherTransfer}'`,
          `workspace_id = '${bLive.workspaceId}'`,
          `reserved_at = now() - interval '2 days'`,
        ]) {
          await refused(
            () => app.query(`UPDATE cosigner_cap_reservations SET ${change} WHERE id = $1`, [furnished('aLive').reservation]),
            /permission denied/,
          );
        }
        await refused(() => app.query(`DELETE FROM cosigner_cap_reservations`), /permission denied/);
        const released = await app.query(`UPDATE cosigner_cap_reservations SET released_at = now() WHERE id = $1`, [
          furnished('aLive').reservation,
        ]);
        expect(released.rowCount).toBe(1);
      });
    });

    it('releases a reservation once: from none to a time, never back into its window or to another time (trigger), whoever asks', async () => {
      const staysReleased = /a released reservation stays released, as it was/;
      const releasing = (client: Client, value: string) =>
        client.query(`UPDATE cosigner_cap_reservations SET released_at = ${value} WHERE id = $1`, [furnished('aLive').reservation]);
      await inTransaction(at(aLive), async () => {
        expect((await releasing(app, 'now()')).rowCount).toBe(1);
        // Written again as it is: no change.
        expect((await releasing(app, 'released_at')).rowCount).toBe(1);
        for (const value of ['NULL', 'clock_timestamp()', `released_at - interval '1 day'`]) {
          await refused(() => releasing(app, value), staysReleased);
        }
      });
      await expect(
        inRolledBackTransaction(db.superuser, {}, async () => {
          await releasing(db.superuser, 'now()');
          await releasing(db.superuser, 'NULL');
        }),
      ).rejects.toThrow(staysReleased);
    });

    it('shows a provider every reservation of its workspace (a window counts them all), lets it reserve and release for its own transfers only', async () => {
      await inTransaction(at(aLive, OTHER), async () => {
        expect(await countOf('cosigner_cap_reservations')).toBe(1);
        const releasing = `UPDATE cosigner_cap_reservations SET released_at = now() WHERE id = $1`;
        expect((await app.query(releasing, [furnished('aLive').reservation])).rowCount).toBe(0);
        await refused(() => insertReservation(app, aLive, furnished('aLive').transfer), /row-level security/);
        const own = await insertReservation(app, aLive, otherTransfer);
        expect((await app.query(releasing, [own])).rowCount).toBe(1);
      });
      await inTransaction(at(aLive, ACME), async () => {
        expect(
          (await app.query(`UPDATE cosigner_cap_reservations SET released_at = now() WHERE id = $1`, [furnished('aLive').reservation]))
            .rowCount,
        ).toBe(1);
      });
    });

    it('sums amounts exactly (numeric), released reservations left out', async () => {
      await inTransaction(at(cLive), async () => {
        const transfer = await insertTransfer(app, cLive, 'capped');
        for (const amount of [
          '0.000000000000000001',
          '0.000000000000000001',
          '0.1',
          '0.2',
          '99999999999999999999999999999999999999.999999999999999997',
        ]) {
          await insertReservation(app, cLive, transfer, amount);
        }
        const released = await insertReservation(app, cLive, transfer, '5');
        await app.query(`UPDATE cosigner_cap_reservations SET released_at = now() WHERE id = $1`, [released]);
        const { rows } = await app.query(`SELECT sum(amount)::text AS total FROM cosigner_cap_reservations WHERE released_at IS NULL`);
        expect(rows).toEqual([{ total: '100000000000000000000000000000000000000.299999999999999999' }]);
      });
    });

    it('takes a finite amount of zero or more only: no NaN or Infinity to poison a window’s sum', async () => {
      await inTransaction(at(aLive), async () => {
        for (const amount of ['NaN', 'Infinity', '-Infinity', '-0.000000000000000001']) {
          await refused(() => insertReservation(app, aLive, furnished('aLive').transfer, amount), /cosigner_cap_reservations_amount_check/);
        }
        await insertReservation(app, aLive, furnished('aLive').transfer, '0');
        const { rows } = await app.query(`SELECT sum(amount)::text AS total FROM cosigner_cap_reservations`);
        expect(rows).toEqual([{ total: '1.5' }]);
      });
    });
  });

  describe('domain_events', () => {
    it('lets a workspace append its own events, blind: it reads none back, changes and deletes none', async () => {
      await inTransaction(at(aLive), async () => {
        expect(await insertEvent(app, aLive, 'policy.activated')).toBe(1);
        expect(await countOf('domain_events')).toBe(0);
        await refused(
          () =>
            app.query(
              `INSERT INTO domain_events (workspace_id, environment, type, payload) VALUES ($1, 'live', 'x.y', '{}') RETURNING id`,
              [aLive.workspaceId],
            ),
          /row-level security/,
        );
        for (const statement of [`UPDATE domain_events SET payload = '{}'`, `DELETE FROM domain_events`, `TRUNCATE domain_events`]) {
          await refused(() => app.query(statement), /permission denied/);
        }
      });
      await inTransaction(onPlatform('system:webhooks'), async () => {
        for (const statement of [`UPDATE domain_events SET payload = '{}'`, `DELETE FROM domain_events`]) {
          await refused(() => app.query(statement), /permission denied/);
        }
      });
    });

    it('numbers, names and dates an event itself (column grants) and takes only resource.verb types', async () => {
      await inTransaction(at(aLive), async () => {
        for (const [column, value] of [
          ['id', '00000000-0000-0000-0000-000000000000'],
          ['seq', '1'],
          ['occurred_at', '2000-01-01T00:00:00Z'],
        ] as const) {
          await refused(
            () =>
              app.query(
                `INSERT INTO domain_events (workspace_id, environment, type, payload, ${column}) VALUES ($1, 'live', 'x.y', '{}', $2)`,
                [aLive.workspaceId, value],
              ),
            /permission denied/,
          );
        }
        for (const type of ['transfer', 'Transfer.approved', 'transfer.', '.approved', 'transfer approved', 'transfer.approved2']) {
          await refused(() => insertEvent(app, aLive, type), /domain_events_type_check/);
        }
        expect(await insertEvent(app, aLive, 'transfer.approved')).toBe(1);
      });
    });
  });
});

/** The purge (0004, 0010) and the cosigner's tables: a workspace's rows go with it, in one statement, and nobody else's. */
describe('the workspace purge, with cosigner rows (as ringfence_app)', () => {
  const db = useTestDatabase();

  const rowsOf = async (workspaceId: string) => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const { rows } = await db.superuser.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [
        workspaceId,
      ]);
      counts[table] = rows[0]!.n;
    }
    return counts;
  };

  it('removes a deleted workspace with policy versions, transfers, decided requests, reservations and events, and leaves the rest', async () => {
    const app = await db.connect(db.appUrl);
    let ids: string[] = [];
    await committed(app, onPlatform(), async () => {
      ids = (await app.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('gone'), ('kept') RETURNING id`)).rows.map(
        (row) => row.id,
      );
    });
    const [gone, kept] = ids as [string, string];
    for (const [workspaceId, label] of [
      [gone, 'gone'],
      [kept, 'kept'],
    ] as const) {
      for (const environment of ['live', 'test'] as const) await furnish(app, { workspaceId, environment }, `${label}-${environment}`);
    }
    await committed(app, { 'app.actor': ACME }, () => insertRequest(app, { provider: 'acme', requestId: 'stray', place: null }));
    const full = { policy_versions: 4, transfers: 2, cosigner_requests: 4, cosigner_cap_reservations: 2, domain_events: 2 };
    expect(await rowsOf(gone)).toEqual(full);

    // The references without ON DELETE actions are live: a transfer with a request and a reservation, or a version a
    // decision names, cannot go alone. The purge removes them in one statement, so the checks see them all gone.
    for (const statement of ['DELETE FROM transfers WHERE workspace_id = $1', 'DELETE FROM policy_versions WHERE workspace_id = $1']) {
      await db.superuser.query('BEGIN');
      await expect(db.superuser.query(statement, [gone])).rejects.toThrow(/violates foreign key constraint/);
      await db.superuser.query('ROLLBACK');
    }

    await committed(app, onPlatform(), () => app.query(`UPDATE workspaces SET status = 'deleted' WHERE id = $1`, [gone]));
    // Time passing: only a superuser skipping triggers moves a deletion time.
    await db.superuser.query('BEGIN');
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    await db.superuser.query(`UPDATE workspaces SET deleted_at = now() - interval '31 days' WHERE id = $1`, [gone]);
    await db.superuser.query('COMMIT');

    let purged: string[] = [];
    await committed(app, onPlatform('system:workspace-purge'), async () => {
      purged = (await app.query<{ workspace_id: string }>('SELECT workspace_id FROM purge_deleted_workspaces(10)')).rows.map(
        (row) => row.workspace_id,
      );
    });
    expect(purged).toEqual([gone]);
    expect(await rowsOf(gone)).toEqual({
      policy_versions: 0,
      transfers: 0,
      cosigner_requests: 0,
      cosigner_cap_reservations: 0,
      domain_events: 0,
    });
    expect(await rowsOf(kept)).toEqual(full);
    expect((await db.superuser.query(`SELECT request_id FROM cosigner_requests WHERE workspace_id IS NULL`)).rows).toEqual([
      { request_id: 'stray' },
    ]);
  });
});
