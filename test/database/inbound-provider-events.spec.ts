import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

/**
 * What migration 0015 lets a provider's webhook do, as the app role with the unit of work's
 * settings: end its own provider's transfers only (row-level security and the trigger), the
 * final states staying; and the replay store, read and written by its provider only, purged by
 * its job only.
 */
describe('transfers ended by their provider, and the inbound events store (migration 0015, as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  let workspace = '';
  const ids: Record<'approved' | 'submitted' | 'completed', string> = { approved: '', submitted: '', completed: '' };

  const as = (provider: string | null, extra: Record<string, string> = {}) => ({
    'app.workspace_id': workspace,
    'app.environment': 'live',
    'app.actor': provider === null ? 'api_key:TEST' : `provider:${provider}`,
    'app.platform': 'off',
    ...extra,
  });
  const inTransaction = <T>(settings: Record<string, string>, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  async function refused(work: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    await app.query('SAVEPOINT attempt');
    await expect(work()).rejects.toThrow(pattern);
    await app.query('ROLLBACK TO SAVEPOINT attempt');
  }
  const move = (id: string, status: string, reason: string | null = null) =>
    app.query(`UPDATE transfers SET status = $2, reason = coalesce($3, reason) WHERE id = $1`, [id, status, reason]);

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    workspace = (await db.superuser.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A') RETURNING id`)).rows[0]!.id;
    const insert = async (key: string) =>
      (
        await db.superuser.query<{ id: string }>(
          `INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
           VALUES ($1::uuid, 'live', $2, $1::text || ':live:' || $2, 'simulator', 'ETH', '1', '{"type":"VAULT","id":"0"}',
                   '{"type":"ONE_TIME_ADDRESS","address":"0xab"}', 'submitted', 'api_key:TEST') RETURNING id`,
          [workspace, key],
        )
      ).rows[0]!.id;
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) ids[name] = await insert(name);
    await db.superuser.query(`SELECT set_config('app.actor', 'provider:simulator', false)`);
    await db.superuser.query(`UPDATE transfers SET status = 'approved', reason = 'rule_approved', decided_at = now() WHERE id = ANY($1)`, [
      [ids.approved, ids.completed],
    ]);
    await db.superuser.query(`UPDATE transfers SET status = 'completed' WHERE id = $1`, [ids.completed]);
    await db.superuser.query(`SELECT set_config('app.actor', '', false)`);
  });

  afterAll(() => app.end());

  it('lets its own provider complete, fail or cancel an approved transfer, and reject or cancel one not yet decided', async () => {
    for (const status of ['completed', 'failed', 'cancelled']) {
      await inTransaction(as('simulator'), async () =>
        expect((await move(ids.approved, status, status === 'completed' ? null : 'why')).rowCount).toBe(1),
      );
    }
    for (const status of ['rejected', 'cancelled', 'failed']) {
      await inTransaction(as('simulator'), async () => expect((await move(ids.submitted, status, 'provider_x')).rowCount).toBe(1));
    }
  });

  it('never lets another provider, a key or the system complete or cancel a transfer, nor anything complete one we never approved', async () => {
    // Another provider does not see the transfer at all.
    await inTransaction(as('acme'), async () => {
      for (const status of ['completed', 'cancelled', 'failed']) expect((await move(ids.approved, status)).rowCount).toBe(0);
    });
    await inTransaction(as(null), async () => {
      await refused(() => move(ids.approved, 'completed'), /only its provider completes or cancels a transfer/);
      await refused(() => move(ids.approved, 'cancelled', 'x'), /only its provider completes or cancels a transfer/);
    });
    await inTransaction(as('simulator'), async () => {
      await refused(() => move(ids.submitted, 'completed'), /only an approved transfer completes/);
      await refused(() => move(ids.approved, 'rejected', 'x'), /an approved transfer may only fail, complete or be cancelled/);
      // A completion keeps the decision's reason: none is written with it.
      await refused(() => move(ids.approved, 'completed', 'x'), /reason is written only/);
    });
  });

  it('keeps a final transfer final', async () => {
    await inTransaction(as('simulator'), async () => {
      for (const status of ['failed', 'cancelled', 'approved'])
        await refused(() => move(ids.completed, status, 'x'), /a completed transfer stays completed/);
    });
  });

  it('shows and writes the replay store to its own provider only; purges it as its job only', async () => {
    await db.superuser.query(
      `INSERT INTO inbound_provider_events (provider, event_id, outcome, received_at) VALUES ('simulator', 'old', 'applied', now() - interval '40 days')`,
    );
    await inTransaction(as('acme'), async () => {
      expect((await app.query(`SELECT * FROM inbound_provider_events`)).rowCount).toBe(0);
      await refused(
        () => app.query(`INSERT INTO inbound_provider_events (provider, event_id, outcome) VALUES ('simulator', 'x', 'received')`),
        /row-level security/,
      );
      expect((await app.query(`DELETE FROM inbound_provider_events`)).rowCount).toBe(0);
    });
    await inTransaction(as('simulator'), async () => {
      expect((await app.query(`SELECT event_id FROM inbound_provider_events`)).rows).toEqual([{ event_id: 'old' }]);
      expect((await app.query(`DELETE FROM inbound_provider_events`)).rowCount).toBe(0);
    });
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'system:workspace-purge' }, async () => {
      expect((await app.query(`DELETE FROM inbound_provider_events`)).rowCount).toBe(0);
    });
    await inTransaction({ 'app.platform': 'on', 'app.actor': 'system:inbound-events-purge' }, async () => {
      expect((await app.query(`DELETE FROM inbound_provider_events WHERE received_at < now() - interval '30 days'`)).rowCount).toBe(1);
    });
  });
});
