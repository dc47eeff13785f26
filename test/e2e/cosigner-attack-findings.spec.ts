import { createSign, randomUUID } from 'node:crypto';
import { expectProblem } from '../support/assertions';
import {
  activatePolicy,
  COSIGNER_SCOPES,
  decideCallback,
  providerTxIdOf,
  ethPolicy,
  postCallback,
  signedBySimulator,
  signRequestFor,
  submitTransfer,
  SubmittedTransfer,
  verifiedAnswer,
} from '../support/cosigner';
import { TEST_SIMULATOR_PRIVATE_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

const SCOPES = COSIGNER_SCOPES;
const REJECT_ALL = { rules: [{ name: 'nothing', action: 'REJECT', match: {} }] };

/**
 * Attacks on the cosigner that succeeded against the code they were written for (branch
 * attack-review): each test says what must hold, and failed before its fix.
 */
describe('cosigner attack findings', () => {
  const t = useTestApp();

  const decide = (payload: Record<string, unknown>) => decideCallback(t, payload);

  const reservationsOf = async (transfer: SubmittedTransfer) =>
    (await t.superuser.query(`SELECT amount::text FROM cosigner_cap_reservations WHERE transfer_id = $1`, [transfer.id])).rows;

  describe('an approved transfer asked about again (a compromised provider signing one intent twice)', () => {
    it('approves a second signing of an approved transfer only for the provider transaction it was approved as', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy('10'));
      const transfer = await submitTransfer(t, key, { amount: '6' });
      const txId = await providerTxIdOf(t, key, transfer);
      expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({ action: 'APPROVE' });
      // Another request of the same signing (the same provider transaction) is approved again, as designed.
      expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({ action: 'APPROVE' });
      // A request that does not say which provider transaction it signs may be any other: 6 more ETH,
      // against a window of 10 with 6 spent, and no reservation.
      expect(await decide(signRequestFor(transfer))).toMatchObject({ action: 'REJECT', rejectionReason: 'intent_mismatch:txId' });
      // Nor after the workspace's policy stopped approving anything.
      await activatePolicy(t, key, REJECT_ALL);
      expect(await decide(signRequestFor(transfer))).toMatchObject({ action: 'REJECT', rejectionReason: 'intent_mismatch:txId' });
      expect(await reservationsOf(transfer)).toEqual([{ amount: '6' }]);
    });

    it('approves no provider transaction a second time when none was recorded for the approved transfer', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy('10'));
      // A transfer whose submission never came back (a transient failure leaves it submitted, with no
      // provider transaction id: here written as POST /v1/transfers writes it, without the submission),
      // and a first signing request that carries no txId: it is approved with no provider id recorded.
      const idempotencyKey = randomUUID();
      const transfer: SubmittedTransfer = {
        id: randomUUID(),
        externalTxId: `${key.workspaceId}:live:${idempotencyKey}`,
        asset: 'ETH',
        amount: '6',
        source: { type: 'VAULT', id: '0' },
        destination: { type: 'ONE_TIME_ADDRESS', address: '0x00000000000000000000000000000000000000aa' },
      };
      await t.superuser.query(
        `INSERT INTO transfers (id, workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
         VALUES ($1, $2, 'live', $3, $4, 'simulator', $5, $6, $7, $8, 'submitted', 'api_key:test')`,
        [
          transfer.id,
          key.workspaceId,
          idempotencyKey,
          transfer.externalTxId,
          transfer.asset,
          transfer.amount,
          JSON.stringify(transfer.source),
          JSON.stringify(transfer.destination),
        ],
      );
      expect(await decide(signRequestFor(transfer))).toMatchObject({ action: 'APPROVE' });
      // Then every provider transaction that names the intent would be approved, each as "the same signing".
      for (const txId of ['tx-a', 'tx-b', 'tx-c']) {
        expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({
          action: 'REJECT',
          rejectionReason: 'intent_mismatch:txId',
        });
      }
      expect(await reservationsOf(transfer)).toEqual([{ amount: '6' }]);
    });
  });

  describe('an approved transfer asked about again for its own provider transaction', () => {
    it('is approved again only for what the policy approves, by the rule that approved it', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, {
        rules: [
          { name: 'no-calls', action: 'REJECT', match: { operations: ['CONTRACT_CALL'] } },
          { name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] } },
        ],
      });
      const transfer = await submitTransfer(t, key);
      const txId = await providerTxIdOf(t, key, transfer);
      expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({ action: 'APPROVE' });
      // The same provider transaction, asked about as a contract call: the policy rejects every contract call.
      expect(await decide(signRequestFor(transfer, { txId, operation: 'CONTRACT_CALL' }))).toMatchObject({
        action: 'REJECT',
        rejectionReason: 'rule_rejected',
      });
      expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({ action: 'APPROVE' });
      // Once the workspace's policy approves nothing, nothing is approved, not even another request of that signing.
      await activatePolicy(t, key, REJECT_ALL);
      expect(await decide(signRequestFor(transfer, { txId }))).toMatchObject({ action: 'REJECT', rejectionReason: 'rule_rejected' });
      const view = (await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json();
      expect(view).toMatchObject({ status: 'approved', decision: { rule: 'eth' } });
    });
  });

  describe('a workspace an admin suspended or deleted (the kill switch)', () => {
    it('approves none of its transfers, and approves again once it is reactivated', async () => {
      const admin = await t.newAdmin('admin');
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy());
      const [before, during, later] = [await submitTransfer(t, key), await submitTransfer(t, key), await submitTransfer(t, key)];
      const suspend = await t.inject({ method: 'POST', url: `/v1/admin/workspaces/${key.workspaceId}/suspend`, headers: admin.headers });
      expect(suspend.statusCode).toBe(200);
      expect(await decide(signRequestFor(before))).toMatchObject({ action: 'REJECT', rejectionReason: 'workspace_suspended' });
      const reactivate = await t.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${key.workspaceId}/reactivate`,
        headers: admin.headers,
      });
      expect(reactivate.statusCode).toBe(200);
      expect(await decide(signRequestFor(during))).toMatchObject({ action: 'APPROVE' });
      const removed = await t.inject({ method: 'DELETE', url: `/v1/admin/workspaces/${key.workspaceId}`, headers: admin.headers });
      expect(removed.statusCode).toBe(204);
      expect(await decide(signRequestFor(later))).toMatchObject({ action: 'REJECT', rejectionReason: 'workspace_deleted' });
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM cosigner_cap_reservations WHERE transfer_id = ANY($1)`, [
        [before.id, later.id],
      ]);
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  describe('a policy activated while a decision is under way', () => {
    it('is never followed by an approval under the version it retired', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy());
      const transfer = await submitTransfer(t, key);
      const draft = await t.inject({ method: 'PUT', url: '/v1/policies/draft', headers: key.headers, payload: { document: REJECT_ALL } });
      expect(draft.statusCode).toBe(200);
      // Another callback holds the window of the rule "eth" (here: a connection of our own, holding its lock).
      const holder = await t.db.connect(t.db.adminUrl);
      await holder.query(`SELECT pg_advisory_lock(hashtextextended('cap:' || $1 || ':live:eth:ETH', 0))`, [key.workspaceId]);
      const waiting = async (text: string) =>
        (
          await t.superuser.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE $1`,
            [`%${text}%`],
          )
        ).rows[0].n > 0;
      const callback = postCallback(t, signedBySimulator(signRequestFor(transfer)));
      while (!(await waiting("'cap:'"))) await new Promise((resolve) => setImmediate(resolve));
      // The decision has read the active policy and waits for the window. The workspace retires that policy.
      let activated = false;
      const activation = t
        .inject({ method: 'POST', url: '/v1/policies/versions/2/activate', headers: key.headers })
        .then((response) => ((activated = true), response));
      // Either the activation is answered while the decision still waits, or it waits for the decision.
      while (!activated && !(await waiting("'policy:'"))) await new Promise((resolve) => setImmediate(resolve));
      const order = activated ? 'activation answered first' : 'activation waited for the decision';
      await holder.query(`SELECT pg_advisory_unlock_all()`);
      const answer = verifiedAnswer((await callback).body);
      expect((await activation).statusCode).toBe(200);
      // Once the workspace was told its new policy is active, nothing is approved under the old one.
      expect([
        { order: 'activation answered first', action: 'REJECT' },
        { order: 'activation waited for the decision', action: 'APPROVE' },
      ]).toContainEqual({ order, action: answer.action });
    });
  });

  describe('the audit trail of a policy', () => {
    it('names its versions by their digest: an auditor, or a key without policies:read, never reads the document', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy('123.45'));
      // The policy routes refuse both.
      const auditor = await t.newAdmin('auditor');
      const policies = `/v1/admin/workspaces/${key.workspaceId}/policies?environment=live`;
      expectProblem(await t.inject({ method: 'GET', url: policies, headers: auditor.headers }), 403, 'INSUFFICIENT_ROLE');
      const auditKey = await t.newKey({ scopes: ['audit:read'], workspace: key.workspaceId });
      expectProblem(await t.inject({ method: 'GET', url: '/v1/policies', headers: auditKey.headers }), 403, 'INSUFFICIENT_SCOPE');
      // The audit trail shows them what changed, by version and digest, not the document.
      for (const headers of [auditor.headers, auditKey.headers]) {
        const events = await t.inject({ method: 'GET', url: '/v1/audit/events?action=policy.draft', headers });
        expect(events.statusCode).toBe(200);
        const event = events
          .json<{ events: { workspaceId: string; after: { draft: Record<string, unknown> } }[] }>()
          .events.find((candidate) => candidate.workspaceId === key.workspaceId);
        expect(event!.after.draft).toMatchObject({ version: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
        expect(events.body).not.toContain('123.45');
      }
    });
  });

  describe('the type of a destination, which policies decide on', () => {
    // Moves between the workspace's own vaults are free; anything leaving is capped at 10.
    const INTERNAL_FREE = {
      rules: [
        { name: 'internal', action: 'APPROVE', match: { destinationTypes: ['VAULT_ACCOUNT'] } },
        { name: 'external', action: 'APPROVE', match: { destinationTypes: ['EXTERNAL_WALLET'] }, caps: { perTransactionMax: '10' } },
      ],
    };

    it('is fixed by the intent: a whitelisted id needs its type, and an address is a one-time address', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, INTERNAL_FREE);
      const create = (destination: Record<string, unknown>) =>
        t.inject({
          method: 'POST',
          url: '/v1/transfers',
          headers: { ...key.headers, 'idempotency-key': randomUUID() },
          payload: { asset: 'ETH', amount: '1000', source: { type: 'VAULT', id: '0' }, destination },
        });
      // An id without its type: the provider's callback would choose it (VAULT_ACCOUNT, and 1000 passes a cap of 10).
      expectProblem(await create({ id: 'ext-wallet-7' }), 400, 'VALIDATION_FAILED');
      // An address the key calls a vault account: the key would choose the rule its own transfer is decided by.
      expectProblem(
        await create({ address: '0x00000000000000000000000000000000000000ee', type: 'VAULT_ACCOUNT' }),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(await create({ id: 'ext-wallet-7', type: 'ONE_TIME_ADDRESS' }), 400, 'VALIDATION_FAILED');
      // What the contract says stays accepted, and is decided by the type the intent fixed.
      const typed = await create({ id: 'ext-wallet-7', type: 'EXTERNAL_WALLET' });
      expect(typed.statusCode).toBe(201);
      const transfer = typed.json<SubmittedTransfer>();
      expect(await decide(signRequestFor(transfer, { destType: 'VAULT_ACCOUNT' }))).toMatchObject({
        action: 'REJECT',
        rejectionReason: 'intent_mismatch:destination',
      });
      const address = await create({ address: '0x00000000000000000000000000000000000000ee', type: 'ONE_TIME_ADDRESS' });
      expect(address.statusCode).toBe(201);
    });
  });

  describe('a deeply nested signed payload', () => {
    it('is answered with a signed decision, never a 500', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      await activatePolicy(t, key, ethPolicy());
      const transfer = await submitTransfer(t, key);
      // 16 KiB, a quarter of what a callback may carry: an unknown field nested 6000 deep.
      const depth = 6000;
      const payload = JSON.stringify({ ...signRequestFor(transfer), extra: 0 }).replace(
        '"extra":0',
        `"extra":${'['.repeat(depth)}1${']'.repeat(depth)}`,
      );
      const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
      const signature = createSign('RSA-SHA256').update(input).sign(TEST_SIMULATOR_PRIVATE_KEY).toString('base64url');
      const token = `${input}.${signature}`;
      const response = await postCallback(t, token);
      expect(response.statusCode).toBe(200);
      const answer = verifiedAnswer(response.body);
      expect(answer.action).toBe('APPROVE');
      // A retry of it replays the stored answer.
      expect((await postCallback(t, token)).body).toBe(response.body);
    });
  });

  describe("an Idempotency-Key past its kept answer's expiry", () => {
    it('is refused as used, never a 500', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      const idempotencyKey = randomUUID();
      const transfer = await submitTransfer(t, key, {}, idempotencyKey);
      // A day and more later: the kept answer expired (the purge may not have run yet).
      await t.superuser.query(
        `UPDATE idempotency_keys SET created_at = now() - interval '3 days', expires_at = now() - interval '1 hour' WHERE workspace_id = $1`,
        [key.workspaceId],
      );
      const again = await t.inject({
        method: 'POST',
        url: '/v1/transfers',
        headers: { ...key.headers, 'idempotency-key': idempotencyKey },
        payload: {
          asset: transfer.asset,
          amount: transfer.amount,
          source: transfer.source,
          destination: { address: transfer.destination.address },
        },
      });
      expectProblem(again, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(t.logs.filter((line) => line['msg'] === 'request failed')).toEqual([]);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM transfers WHERE workspace_id = $1`, [key.workspaceId]);
      expect(rows).toEqual([{ n: 1 }]);
    });
  });
});
