import jwt from 'jsonwebtoken';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
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
  verifiedAnswer,
} from '../support/cosigner';
import { testEnv } from '../support/test-env';
import { useTestApp } from '../support/use-test-app';

const SCOPES = COSIGNER_SCOPES;
const APPROVE_ALL = { rules: [{ name: 'all', action: 'APPROVE', match: {} }] };
const REJECT_ALL = { rules: [{ name: 'nothing', action: 'REJECT', match: {} }] };

/**
 * Attacks on the cosigner that held (branch attack-review), pinned: what a provider's
 * signature alone can make Ringfence do to a workspace, whose stored answers another can
 * be given, and how caps hold when one intent is asked about many times at once.
 */
describe('cosigner attacks that held', () => {
  const t = useTestApp();

  const decide = (payload: Record<string, unknown>) => decideCallback(t, payload);

  it("approves nothing but the intent, whatever the provider's signature covers [V2.3.1]", async () => {
    const key = await t.newKey({ scopes: SCOPES });
    await activatePolicy(t, key, APPROVE_ALL);
    const intent = '0x00000000000000000000000000000000000000aa';
    const attacker = '0x00000000000000000000000000000000000000ee';
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'destinations moving more than amountStr',
        { destinations: [{ dstType: 'ONE_TIME_ADDRESS', dstAddress: intent, amountNativeStr: '1000' }] },
        'unreadable_field:amountStr',
      ],
      [
        'the intent split with a second destination',
        {
          destinations: [
            { dstType: 'ONE_TIME_ADDRESS', dstAddress: intent, amountNativeStr: '1.5' },
            { dstType: 'ONE_TIME_ADDRESS', dstAddress: attacker, amountNativeStr: '0' },
          ],
        },
        'intent_mismatch:destination',
      ],
      [
        'a list naming the intent beside a top-level destination elsewhere',
        { destAddress: attacker, destinations: [{ dstType: 'ONE_TIME_ADDRESS', dstAddress: intent }] },
        'intent_mismatch:destination',
      ],
      ['the asset in another case', { asset: 'eth' }, 'intent_mismatch:asset'],
      ['another source vault', { sourceId: '1' }, 'intent_mismatch:source'],
      ['no amountStr (the deprecated number only)', { amountStr: undefined, amount: 1.5 }, 'intent_mismatch:amount'],
      ['an amount in exponent form', { amountStr: '1.5e0' }, 'unreadable_field:amountStr'],
      ['the destination typed as a vault account', { destType: 'VAULT_ACCOUNT' }, 'intent_mismatch:destination'],
      ['an operation no rule names', { operation: 'RAW' }, 'unsupported_operation:RAW'],
      ['an operation that is not a string', { operation: ['TRANSFER'] }, 'unreadable_field:operation'],
    ];
    for (const [name, overrides, reason] of cases) {
      const transfer = await submitTransfer(t, key, { destination: { address: intent } });
      expect({ name, answer: await decide(signRequestFor(transfer, overrides)) }).toMatchObject({
        name,
        answer: { action: 'REJECT', rejectionReason: reason },
      });
    }
  });

  it("never gives one workspace's stored answer to another, whichever callback the request id comes back on", async () => {
    const [a, b] = [await t.newKey({ scopes: SCOPES }), await t.newKey({ scopes: SCOPES })];
    await activatePolicy(t, a, APPROVE_ALL);
    await activatePolicy(t, b, APPROVE_ALL);
    const [ta, tb] = [await submitTransfer(t, a), await submitTransfer(t, b)];
    const requestId = randomUUID();
    const first = await postCallback(t, signedBySimulator(signRequestFor(ta, { requestId })));
    expect(verifiedAnswer(first.body)).toMatchObject({ action: 'APPROVE' });
    // The same request id naming B's transfer, or on the other callback: refused, never A's answer, and B's transfer undecided.
    const onB = await postCallback(t, signedBySimulator(signRequestFor(tb, { requestId })));
    expect(onB.body).not.toBe(first.body);
    // (A's row is invisible from B's workspace: the insert meets it, the read does not.)
    expect(verifiedAnswer(onB.body)).toMatchObject({ action: 'REJECT', rejectionReason: 'request_id_conflict' });
    const asConfig = await postCallback(t, signedBySimulator(signRequestFor(ta, { requestId })), { kind: 'config_change_sign_request' });
    expect(verifiedAnswer(asConfig.body)).toMatchObject({ action: 'REJECT', rejectionReason: 'request_id_conflict' });
    // Only the same request, on its own callback, is given the stored answer.
    expect((await postCallback(t, signedBySimulator(signRequestFor(ta, { requestId })))).body).toBe(first.body);
    const viewB = (await t.inject({ method: 'GET', url: `/v1/transfers/${tb.id}`, headers: b.headers })).json();
    expect(viewB.decision).toBeNull();
    // B's own request is decided under B's policy.
    expect(await decide(signRequestFor(tb))).toMatchObject({ action: 'APPROVE' });
  });

  it('counts one intent asked about by 20 requests at once once, and approves none past its window [V2.3.4]', async () => {
    const key = await t.newKey({ scopes: SCOPES });
    await activatePolicy(t, key, ethPolicy('10'));
    const transfer = await submitTransfer(t, key, { amount: '6' });
    const txId = await providerTxIdOf(t, key, transfer);
    // Twenty requests of one signing (the recorded provider transaction) race; twenty more name no transaction.
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => postCallback(t, signedBySimulator(signRequestFor(transfer, { txId })))),
      ...Array.from({ length: 20 }, () => postCallback(t, signedBySimulator(signRequestFor(transfer)))),
    ]);
    const actions = answers.map((answer) => {
      const { action, rejectionReason } = verifiedAnswer(answer.body);
      return rejectionReason ?? action;
    });
    expect(actions.slice(0, 20)).toEqual(Array(20).fill('APPROVE'));
    // A request naming no provider transaction is refused, whether it is decided before or after the approval.
    expect(actions.slice(20).every((action) => action === 'intent_mismatch:txId' || action === 'APPROVE')).toBe(true);
    const reservations = await t.superuser.query(`SELECT amount::text FROM cosigner_cap_reservations WHERE transfer_id = $1`, [
      transfer.id,
    ]);
    expect(reservations.rows).toEqual([{ amount: '6' }]);
    const events = await t.superuser.query(`SELECT type FROM domain_events WHERE subject_id = $1`, [transfer.id]);
    expect(events.rows).toEqual([{ type: 'transfer.approved' }]);
    // The window has 4 left: a second intent of 6 is refused.
    const second = await submitTransfer(t, key, { amount: '6' });
    expect(await decide(signRequestFor(second))).toMatchObject({ action: 'REJECT', rejectionReason: 'cap_window_sum' });
  });

  it("keeps a workspace's environments apart: a test transfer is decided by the test policy and window, and read by no live key", async () => {
    const live = await t.newKey({ scopes: SCOPES });
    const test = await t.newKey({ scopes: SCOPES, environment: 'test', workspace: live.workspaceId });
    await activatePolicy(t, live, APPROVE_ALL);
    await activatePolicy(t, test, REJECT_ALL);
    const [liveTransfer, testTransfer] = [await submitTransfer(t, live), await submitTransfer(t, test)];
    expect(await decide(signRequestFor(testTransfer))).toMatchObject({ action: 'REJECT', rejectionReason: 'rule_rejected' });
    expect(await decide(signRequestFor(liveTransfer))).toMatchObject({ action: 'APPROVE' });
    expectProblem(await t.inject({ method: 'GET', url: `/v1/transfers/${liveTransfer.id}`, headers: test.headers }), 404, 'NOT_FOUND');
    expectProblem(await t.inject({ method: 'GET', url: `/v1/transfers/${testTransfer.id}`, headers: live.headers }), 404, 'NOT_FOUND');
    // The same Idempotency-Key in each environment is two transfers, never a replay of the other's.
    const idempotencyKey = randomUUID();
    const [inLive, inTest] = [await submitTransfer(t, live, {}, idempotencyKey), await submitTransfer(t, test, {}, idempotencyKey)];
    expect(inLive.id).not.toBe(inTest.id);
    expect(inTest.externalTxId).toBe(`${live.workspaceId}:test:${idempotencyKey}`);
  });

  it("lets no other provider decide, hold or shadow a provider's transfers and requests", async () => {
    const acme = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const both = await t.another({
      secretFiles: { 'cosigner-acme.pub.v1.pem': acme.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      env: { COSIGNER_PROVIDERS: 'simulator,acme' },
    });
    const key = await t.newKey({ scopes: SCOPES });
    await activatePolicy(t, key, APPROVE_ALL);
    const transfer = await submitTransfer(t, key);
    const payload = signRequestFor(transfer);
    // acme signs a request naming the simulator's transfer, with the simulator's request id.
    const byAcme = await postCallback(both, jwt.sign(payload, acme.privateKey, { algorithm: 'RS256' }), { provider: 'acme' });
    expect(verifiedAnswer(byAcme.body)).toMatchObject({ action: 'REJECT', rejectionReason: 'unknown_external_tx' });
    const { rows } = await t.superuser.query(`SELECT provider, workspace_id FROM cosigner_requests WHERE request_id = $1`, [
      payload['requestId'],
    ]);
    expect(rows).toEqual([{ provider: 'acme', workspace_id: null }]);
    // The transfer is untouched, and the simulator's own request (same id) is decided afresh.
    expect((await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json().decision).toBeNull();
    expect(await decide(payload)).toMatchObject({ action: 'APPROVE' });
  });

  it('refuses as unsigned our own signed answer posted back, and a token signed by a key of ours', async () => {
    const key = await t.newKey({ scopes: SCOPES });
    await activatePolicy(t, key, APPROVE_ALL);
    const transfer = await submitTransfer(t, key);
    const payload = signRequestFor(transfer);
    const answer = (await postCallback(t, signedBySimulator(payload))).body;
    expectProblem(await postCallback(t, answer), 401, 'UNAUTHENTICATED');
    // The request itself, signed with our response key (kid v1, as the provider's): not the provider's signature.
    const ours = jwt.sign({ ...payload, requestId: randomUUID() }, testEnv('cosignerResponseKey'), { algorithm: 'RS256', keyid: 'v1' });
    expectProblem(await postCallback(t, ours), 401, 'UNAUTHENTICATED');
    const { rows } = await t.superuser.query(`SELECT reason FROM audit_log WHERE action = 'cosigner.callback' ORDER BY id`);
    expect(rows).toEqual([{ reason: 'signature_signature' }, { reason: 'signature_signature' }]);
  });
});
