import {
  activatePolicy,
  COSIGNER_SCOPES,
  postCallback,
  signedBySimulator,
  signRequestFor,
  submitTransfer,
  SubmittedTransfer,
  verifiedAnswer,
} from '../support/cosigner';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

const SCOPES = COSIGNER_SCOPES;

describe('cosigner caps and failures', () => {
  describe('caps under concurrency, across instances', () => {
    const t = useTestApp({ env: { DATABASE_POOL_SIZE: '10' } });

    it('approves exactly what a window affords when 200 callbacks race through two instances [V2.3.2 V2.3.4 V15.4.2 API6:2023]', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      // 100 ETH over 24 h, whatever the order: 200 requests of 0.5 to 1.5 ETH cannot all pass.
      await activatePolicy(t, key, {
        rules: [
          {
            name: 'eth',
            action: 'APPROVE',
            match: { assets: ['ETH'] },
            caps: { window: { seconds: 86400, maxSum: '100', maxCount: 150 } },
          },
        ],
      });
      const amounts = Array.from({ length: 200 }, (_, i) => ['0.5', '1', '1.5'][i % 3]!);
      const transfers: SubmittedTransfer[] = [];
      for (const amount of amounts) transfers.push(await submitTransfer(t, key, { amount }));
      const second: TestApp = await t.another();
      const requests = transfers.map((transfer) => signRequestFor(transfer));
      const answers = await Promise.all(requests.map((payload, i) => postCallback(i % 2 === 0 ? t : second, signedBySimulator(payload))));
      expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
      const decisions = answers.map((answer) => verifiedAnswer(answer.body));
      // On a loaded machine a decision may wait past its timeouts and answer RETRY (never final):
      // the provider calls again, as it would, until each request is decided.
      for (let round = 0; round < 5 && decisions.some((decision) => decision.action === 'RETRY'); round++) {
        for (const [i, decision] of decisions.entries()) {
          if (decision.action === 'RETRY') decisions[i] = verifiedAnswer((await postCallback(t, signedBySimulator(requests[i]!))).body);
        }
      }
      const approved = transfers.filter((_, i) => decisions[i]!.action === 'APPROVE');
      const spent = approved.reduce((sum, transfer) => sum + Number(transfer.amount), 0);
      expect(spent).toBeLessThanOrEqual(100);
      // Exactly affordable: whatever was refused for the sum would not have fit in what was left.
      const refusedForSum = transfers.filter((_, i) => decisions[i]!.rejectionReason === 'cap_window_sum');
      expect(decisions.every((decision) => decision.action === 'APPROVE' || decision.rejectionReason === 'cap_window_sum')).toBe(true);
      const left = 100 - spent;
      expect(refusedForSum.every((transfer) => Number(transfer.amount) > left)).toBe(true);
      const { rows } = await t.superuser.query(`SELECT sum(amount)::float8 AS sum, count(*)::int AS n FROM cosigner_cap_reservations`);
      expect(rows).toEqual([{ sum: spent, n: approved.length }]);
      expect(approved.length).toBeGreaterThan(0);
    });

    it('counts the window exactly in base units of 18-decimal assets, and gives back a released reservation [V2.3.2]', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, {
        rules: [
          {
            name: 'wei',
            action: 'APPROVE',
            match: { assets: ['ETH'] },
            caps: { window: { seconds: 3600, maxSum: '0.000000000000000003' } },
          },
        ],
      });
      const decide = async (transfer: SubmittedTransfer) =>
        verifiedAnswer((await postCallback(t, signedBySimulator(signRequestFor(transfer)))).body);
      const [a, b, c] = [
        await submitTransfer(t, key, { amount: '0.000000000000000001' }),
        await submitTransfer(t, key, { amount: '0.000000000000000002' }),
        await submitTransfer(t, key, { amount: '0.000000000000000001' }),
      ];
      expect((await decide(a)).action).toBe('APPROVE');
      expect((await decide(b)).action).toBe('APPROVE');
      expect(await decide(c)).toMatchObject({ action: 'REJECT', rejectionReason: 'cap_window_sum' });
      // The provider failed b: its reservation no longer counts (what the inbound webhooks will call).
      await t.superuser.query(`UPDATE cosigner_cap_reservations SET released_at = now() WHERE transfer_id = $1`, [b.id]);
      const d = await submitTransfer(t, key, { amount: '0.000000000000000002' });
      expect((await decide(d)).action).toBe('APPROVE');
    });
  });

  describe('a decision that cannot be made', () => {
    const t = useTestApp({ env: { COSIGNER_DECISION_TIMEOUT_MS: '300', COSIGNER_DECISION_DEADLINE_MS: '600000' } });

    it('answers RETRY until the deadline from the first sight, then REJECT, never APPROVE; the final REJECT is replayed [V16.5.3]', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, {
        rules: [{ name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] } }],
      });
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      // Another session holds the transfer's row: the decision's lock wait times out.
      const holder = await t.db.connect(t.db.adminUrl);
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM transfers WHERE id = $1 FOR UPDATE', [transfer.id]);
        const first = await postCallback(t, signedBySimulator(payload));
        expect(verifiedAnswer(first.body)).toEqual({ action: 'RETRY', requestId: payload['requestId'] });
        const seen = await t.superuser.query(`SELECT state, first_seen_at FROM cosigner_requests WHERE request_id = $1`, [
          payload['requestId'],
        ]);
        expect(seen.rows).toEqual([{ state: 'open', first_seen_at: expect.any(Date) }]);
        expect(verifiedAnswer((await postCallback(t, signedBySimulator(payload))).body).action).toBe('RETRY');
        // Time passes: the request was first seen eleven minutes ago.
        await t.superuser.query(`UPDATE cosigner_requests SET first_seen_at = now() - interval '11 minutes' WHERE request_id = $1`, [
          payload['requestId'],
        ]);
        const late = await postCallback(t, signedBySimulator(payload));
        expect(verifiedAnswer(late.body)).toEqual({
          action: 'REJECT',
          requestId: payload['requestId'],
          rejectionReason: 'decision_deadline_passed',
        });
        await holder.query('ROLLBACK');
        // The lock is gone, but the answer was final: the same REJECT, not a fresh decision.
        const after = await postCallback(t, signedBySimulator(payload));
        expect(after.body).toBe(late.body);
      } finally {
        await holder.end();
      }
      const status = await t.superuser.query(`SELECT status FROM transfers WHERE id = $1`, [transfer.id]);
      expect(status.rows[0].status).not.toBe('approved');
    });

    it('decides afresh after a RETRY once the fault is gone', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, { rules: [{ name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] } }] });
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      const holder = await t.db.connect(t.db.adminUrl);
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM transfers WHERE id = $1 FOR UPDATE', [transfer.id]);
        expect(verifiedAnswer((await postCallback(t, signedBySimulator(payload))).body).action).toBe('RETRY');
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      expect(verifiedAnswer((await postCallback(t, signedBySimulator(payload))).body).action).toBe('APPROVE');
    });

    it('answers a retry of a decided request with its stored answer even while the database could not decide anything', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, { rules: [{ name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] } }] });
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      const first = await postCallback(t, signedBySimulator(payload));
      expect(verifiedAnswer(first.body).action).toBe('APPROVE');
      const holder = await t.db.connect(t.db.adminUrl);
      try {
        // The transfer's row and the request's row held: a decision would time out into RETRY.
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM transfers WHERE id = $1 FOR UPDATE', [transfer.id]);
        await holder.query('SELECT 1 FROM cosigner_requests WHERE request_id = $1 FOR UPDATE', [payload['requestId']]);
        const again = await postCallback(t, signedBySimulator(payload));
        expect(again.body).toBe(first.body);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
    });
  });
});
