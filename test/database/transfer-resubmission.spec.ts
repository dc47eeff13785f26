import { Client } from 'pg';
import { inRolledBackTransaction, useTestDatabase } from '../support/test-database';

/**
 * What migration 0013 lets the transfer-resubmit job do, as the app role with the unit of
 * work's settings: lease, across workspaces, a transfer still submitted, and record what the
 * provider answered (pending or failed); nothing to a transfer already moved on, nothing as
 * any other platform actor.
 */
describe('transfers under the resubmission job (migration 0013, as ringfence_app)', () => {
  const db = useTestDatabase();
  let app: Client;
  const transfers: Record<'aSubmitted' | 'bSubmitted' | 'aPending', string> = { aSubmitted: '', bSubmitted: '', aPending: '' };

  const JOB = { 'app.platform': 'on', 'app.actor': 'system:transfer-resubmit' };
  const LEASE = `UPDATE transfers SET submission_attempts = submission_attempts + 1, resubmit_after = now() + interval '2 minutes' WHERE id = $1`;
  const inTransaction = <T>(settings: Record<string, string>, work: () => Promise<T>) => inRolledBackTransaction(app, settings, work);
  async function refused(work: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    await app.query('SAVEPOINT attempt');
    await expect(work()).rejects.toThrow(pattern);
    await app.query('ROLLBACK TO SAVEPOINT attempt');
  }

  beforeAll(async () => {
    app = await db.connect(db.appUrl);
    const { rows } = await db.superuser.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('A'), ('B') RETURNING id`);
    const [a, b] = rows.map((row) => row.id) as [string, string];
    const insert = async (workspaceId: string, key: string) => {
      const { rows: made } = await db.superuser.query<{ id: string }>(
        `INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
         VALUES ($1::uuid, 'live', $2, $1::text || ':live:' || $2, 'acme', 'ETH', '1', '{"type":"VAULT_ACCOUNT","id":"0"}',
                 '{"type":"ONE_TIME_ADDRESS","address":"0xab"}', 'submitted', 'api_key:TEST') RETURNING id`,
        [workspaceId, key],
      );
      return made[0]!.id;
    };
    transfers.aSubmitted = await insert(a, 'one');
    transfers.bSubmitted = await insert(b, 'two');
    // Taken by its provider already: no longer the job's.
    transfers.aPending = await insert(a, 'three');
    await db.superuser.query(`UPDATE transfers SET status = 'pending', provider_tx_id = 'tx-3' WHERE id = $1`, [transfers.aPending]);
  });

  it('lets the job lease a submitted transfer of any workspace, and record the provider’s id or its refusal', async () => {
    await inTransaction(JOB, async () => {
      for (const id of [transfers.aSubmitted, transfers.bSubmitted]) expect((await app.query(LEASE, [id])).rowCount).toBe(1);
      const { rows } = await app.query(`SELECT submission_attempts, resubmit_after > now() AS leased FROM transfers WHERE id = ANY($1)`, [
        [transfers.aSubmitted, transfers.bSubmitted],
      ]);
      expect(rows).toEqual([
        { submission_attempts: 1, leased: true },
        { submission_attempts: 1, leased: true },
      ]);
      expect(
        (await app.query(`UPDATE transfers SET status = 'pending', provider_tx_id = 'tx-1' WHERE id = $1`, [transfers.aSubmitted]))
          .rowCount,
      ).toBe(1);
      expect(
        (
          await app.query(`UPDATE transfers SET status = 'failed', reason = 'provider_refused:http_400' WHERE id = $1`, [
            transfers.bSubmitted,
          ])
        ).rowCount,
      ).toBe(1);
    });
  });

  it('lets it touch nothing that has moved on, and decide nothing', async () => {
    await inTransaction(JOB, async () => {
      expect((await app.query(LEASE, [transfers.aPending])).rowCount).toBe(0);
      // Its policy admits pending and failed only; the transfers' guard, a provider's decisions only.
      await refused(
        () => app.query(`UPDATE transfers SET status = 'approved' WHERE id = $1`, [transfers.aSubmitted]),
        /only its provider decides a transfer/,
      );
      await refused(() => app.query(`UPDATE transfers SET status = 'rejected' WHERE id = $1`, [transfers.aSubmitted]), /only its provider/);
      await refused(() => app.query(`DELETE FROM transfers WHERE id = $1`, [transfers.aSubmitted]), /permission denied/);
    });
  });

  it('lets no other platform actor write a transfer', async () => {
    for (const actor of ['system:workspace-purge', 'admin:someone', 'system:transfer-resubmit-not']) {
      await inTransaction({ 'app.platform': 'on', 'app.actor': actor }, async () => {
        expect({ actor, rowCount: (await app.query(LEASE, [transfers.aSubmitted])).rowCount }).toEqual({ actor, rowCount: 0 });
      });
    }
    // The job's actor off the platform path reads and writes nothing either.
    await inTransaction({ 'app.actor': 'system:transfer-resubmit' }, async () => {
      expect((await app.query(LEASE, [transfers.aSubmitted])).rowCount).toBe(0);
    });
  });
});
