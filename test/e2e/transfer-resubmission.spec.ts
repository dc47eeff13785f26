import { JobRegistry } from '@ringfence/tenancy';
import { RESUBMIT_JOB, TransferResubmission } from '../../apps/api/src/cosigner/transfers/transfer-resubmission';
import { expectAuditRow } from '../support/assertions';
import { ethPolicy, keyWithPolicy, submitTransfer, SubmittedTransfer, transferView, untilSettled } from '../support/cosigner';
import { FIREBLOCKS_FILES, useSimulatedFireblocks } from '../support/fireblocks';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

const RESUBMITTER = { type: 'system', id: RESUBMIT_JOB };

/**
 * The transfer-resubmit job: a transfer still submitted a while after its creation is handed
 * to its provider again. Against the simulated Fireblocks API, whose faults make submissions
 * fail; the job's turns are driven here (an `api` instance runs no cluster job of its own).
 */
describe('resubmission of transfers whose submission failed (the transfer-resubmit job)', () => {
  const fireblocks = useSimulatedFireblocks();
  const env = () => fireblocks.env({ RINGFENCE_ROLE: 'api', TRANSFER_RESUBMIT_AFTER_MS: '0', TRANSFER_RESUBMIT_BATCH: '2' });
  const t = useTestApp({ listen: true, env, secretFiles: FIREBLOCKS_FILES });
  beforeAll(() => fireblocks.connect(t));

  const turn = () => t.app.get(JobRegistry).runNow(RESUBMIT_JOB);
  /** The simulated API's create-transaction requests for a transfer, by status answered. */
  const creations = (transfer: SubmittedTransfer) =>
    fireblocks.simulator
      .requests()
      .filter((request) => request.method === 'POST' && request.body.includes(transfer.externalTxId))
      .map((request) => request.status);
  /** Transfers whose first submission got a 500: still submitted, the provider has none of them. */
  async function failedSubmissions(count: number) {
    const key = await keyWithPolicy(t, ethPolicy('100'));
    const transfers: SubmittedTransfer[] = [];
    for (let i = 0; i < count; i += 1) {
      fireblocks.simulator.failNext({ status: 500 });
      const transfer = await submitTransfer(t, key);
      // Nothing is written of a failure for a while: the provider's 500 is the sign (logs may go to another app's buffer).
      await until(
        `the 500 for ${transfer.id}`,
        () => creations(transfer),
        (statuses) => statuses.includes(500),
      );
      transfers.push(transfer);
    }
    return { key, transfers };
  }

  it('submits on its turn a transfer whose submission failed, which the provider then makes and our policy decides', async () => {
    const { key, transfers } = await failedSubmissions(1);
    const [transfer] = transfers as [SubmittedTransfer];
    expect(await transferView(t, key, transfer)).toMatchObject({ status: 'submitted', providerTxId: null });
    expect(fireblocks.simulator.transaction(transfer.externalTxId)).toBeUndefined();

    await turn();
    const made = await untilSettled(fireblocks.simulator, transfer.externalTxId);
    expect(made.status).toBe('COMPLETED');
    expect(await transferView(t, key, transfer)).toMatchObject({ status: 'approved', providerTxId: made.id });
    expect(creations(transfer)).toEqual([500, 200]);
    await expectAuditRow(t.superuser, {
      action: 'transfer.resubmit',
      actor: RESUBMITTER,
      target: { type: 'transfer', id: transfer.id },
      workspaceId: key.workspaceId,
      after: { provider: 'fireblocks', attempt: 1 },
    });
    // Done with: no later turn hands it again.
    await turn();
    expect(creations(transfer)).toEqual([500, 200]);
  });

  it('takes the oldest first, at most TRANSFER_RESUBMIT_BATCH a turn, and never two workers the same transfer', async () => {
    const { transfers } = await failedSubmissions(5);
    await turn();
    const resubmitted = async () =>
      (
        await t.superuser.query(`SELECT target_id FROM audit_log WHERE action = 'transfer.resubmit' AND target_id = ANY($1)`, [
          transfers.map((transfer) => transfer.id),
        ])
      ).rows.map((row: { target_id: string }) => row.target_id);
    expect((await resubmitted()).sort()).toEqual([transfers[0]!.id, transfers[1]!.id].sort());

    // Two workers' turns at once: each claims its own (SKIP LOCKED, then the lease), together the three left.
    const other = await t.another({ env: env(), secretFiles: FIREBLOCKS_FILES });
    await Promise.all([turn(), other.app.get(JobRegistry).runNow(RESUBMIT_JOB)]);
    expect((await resubmitted()).sort()).toEqual(transfers.map((transfer) => transfer.id).sort());
    // Each handed again once: one creation more each, and one audit row each (a second claim would list its id twice).
    expect(transfers.map(creations)).toEqual(transfers.map(() => [500, 200]));
  });

  it('leaves alone what is younger than TRANSFER_RESUBMIT_AFTER_MS, or still leased', async () => {
    const { transfers } = await failedSubmissions(1);
    const patient = await t.another({
      env: fireblocks.env({ RINGFENCE_ROLE: 'api', TRANSFER_RESUBMIT_AFTER_MS: '3600000' }),
      secretFiles: FIREBLOCKS_FILES,
    });
    expect(await patient.app.get(TransferResubmission).resubmitDue()).toBe(0);
    // Leased by a claim whose submission failed again: not due before the lease runs out.
    fireblocks.simulator.failNext({ status: 503 });
    expect(await t.app.get(TransferResubmission).resubmitDue()).toBe(1);
    expect(await t.app.get(TransferResubmission).resubmitDue()).toBe(0);
    expect(creations(transfers[0]!)).toEqual([500, 503]);
    const { rows } = await t.superuser.query(
      `SELECT status, submission_attempts, resubmit_after > now() + interval '1 minute' AS leased FROM transfers WHERE id = $1`,
      [transfers[0]!.id],
    );
    expect(rows).toEqual([{ status: 'submitted', submission_attempts: 1, leased: true }]);
  });

  it('fails, as the job, a transfer the provider refuses on resubmission', async () => {
    const { key, transfers } = await failedSubmissions(1);
    const [transfer] = transfers as [SubmittedTransfer];
    fireblocks.simulator.failNext({ status: 403 });
    await turn();
    expect(await transferView(t, key, transfer)).toMatchObject({ status: 'failed' });
    await expectAuditRow(t.superuser, {
      action: 'transfer.fail',
      actor: RESUBMITTER,
      target: { type: 'transfer', id: transfer.id },
      workspaceId: key.workspaceId,
      reason: 'provider_refused:http_403:1500',
    });
    const events = await t.superuser.query(`SELECT type, payload->>'status' AS status FROM domain_events WHERE subject_id = $1`, [
      transfer.id,
    ]);
    expect(events.rows).toEqual([{ type: 'transfer.status_changed', status: 'failed' }]);
  });
});
