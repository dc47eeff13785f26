import { JobRegistry } from '@ringfence/tenancy';
import { RESUBMIT_JOB, TransferResubmission } from '../../apps/api/src/cosigner/transfers/transfer-resubmission';
import { TransfersService } from '../../apps/api/src/cosigner/transfers/transfers.service';
import { ethPolicy, keyWithPolicy, submitTransfer, SubmittedTransfer, untilSettled } from '../support/cosigner';
import { FIREBLOCKS_FILES, useSimulatedFireblocks } from '../support/fireblocks';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/**
 * Providers review (attacker's findings): the transfer-resubmit job against the simulated
 * Fireblocks API.
 */
describe('providers review: the transfer-resubmit job', () => {
  const fireblocks = useSimulatedFireblocks();
  const env = () => fireblocks.env({ RINGFENCE_ROLE: 'api', TRANSFER_RESUBMIT_AFTER_MS: '0', TRANSFER_RESUBMIT_BATCH: '2' });
  const t = useTestApp({ listen: true, env, secretFiles: FIREBLOCKS_FILES });
  beforeAll(() => fireblocks.connect(t));

  const creations = (transfer: SubmittedTransfer) =>
    fireblocks.simulator
      .requests()
      .filter((request) => request.method === 'POST' && request.body.includes(transfer.externalTxId))
      .map((request) => request.status);
  async function failedSubmissions(count: number) {
    const key = await keyWithPolicy(t, ethPolicy('100'));
    const transfers: SubmittedTransfer[] = [];
    for (let i = 0; i < count; i += 1) {
      fireblocks.simulator.failNext({ status: 500 });
      const transfer = await submitTransfer(t, key);
      await until(
        `the 500 for ${transfer.id}`,
        () => creations(transfer),
        (statuses) => statuses.includes(500),
      );
      transfers.push(transfer);
    }
    return { key, transfers };
  }
  /** Nothing due but these: earlier tests' transfers are done with. */
  const settleOthers = (transfers: SubmittedTransfer[]) =>
    t.superuser.query(`UPDATE transfers SET resubmit_after = now() + interval '1 day' WHERE status = 'submitted' AND NOT (id = ANY($1))`, [
      transfers.map((transfer) => transfer.id),
    ]);

  it('keeps handing transfers again after one has been attempted 1024 times (the backoff does not overflow)', async () => {
    const { transfers } = await failedSubmissions(2);
    await settleOthers(transfers);
    const [stuck, next] = transfers as [SubmittedTransfer, SubmittedTransfer];
    // A transfer the provider never answered usably (a 5xx, a 2xx without an id) for ~6 weeks of hourly attempts.
    await t.superuser.query(`UPDATE transfers SET submission_attempts = 1024, resubmit_after = NULL WHERE id = $1`, [stuck.id]);

    // The claim's `power(2, submission_attempts)` overflows double precision: every turn fails, and nothing is resubmitted again.
    await expect(t.app.get(TransferResubmission).resubmitDue()).resolves.toBe(2);
    expect(creations(next)).toEqual([500, 200]);
    await Promise.all([stuck, next].map((transfer) => untilSettled(fireblocks.simulator, transfer.externalTxId)));
  });

  it('never hands one transfer on two workers, even when a turn outlasts the lease of its later claims', async () => {
    const { transfers } = await failedSubmissions(2);
    await settleOthers(transfers);
    const [first, second] = transfers as [SubmittedTransfer, SubmittedTransfer];
    // Worker A claims both, and is slow on its first (two calls of up to FIREBLOCKS_TIMEOUT_MS each).
    const transfersService = t.app.get(TransfersService);
    const submit = transfersService.submit.bind(transfersService);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(transfersService, 'submit').mockImplementationOnce(async (row, as) => {
      await held;
      return submit(row, as);
    });
    const workerA = t.app.get(JobRegistry).runNow(RESUBMIT_JOB);
    await until(
      'worker A claiming both',
      async () =>
        (
          await t.superuser.query(`SELECT count(*)::int AS n FROM transfers WHERE id = ANY($1) AND submission_attempts = 1`, [
            [first.id, second.id],
          ])
        ).rows[0].n as number,
      (n) => n === 2,
    );
    // LEASE_MS (2 minutes) runs out for the second claim while A is still on the first: with
    // TRANSFER_RESUBMIT_BATCH 50 and 2 x FIREBLOCKS_TIMEOUT_MS a submission, it does after the 7th.
    await t.superuser.query(`UPDATE transfers SET resubmit_after = now() - interval '1 second' WHERE id = $1`, [second.id]);
    const other = await t.another({ env: env(), secretFiles: FIREBLOCKS_FILES });
    await other.app.get(JobRegistry).runNow(RESUBMIT_JOB);
    release();
    await workerA;

    // Worker B submitted it (200), then worker A submitted it again on its stale claim.
    expect(creations(second)).toEqual([500, 200]);
    await Promise.all([first, second].map((transfer) => untilSettled(fireblocks.simulator, transfer.externalTxId)));
  });
});
