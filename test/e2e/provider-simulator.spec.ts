import { holdCapWindow } from '../../apps/api/src/bootstrap/held-cap-window';
import { ProviderSimulator } from '../../apps/api/src/providers/simulator/provider-simulator';
import { expectAuditRow } from '../support/assertions';
import { ethPolicy, keyWithPolicy, submitTransfer, untilSettled, verifiedAnswer } from '../support/cosigner';
import { createTestApp } from '../support/test-app';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/** Timeouts the Node.js process holds right now (the simulator's pending calls are some of them). */
const timeouts = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('the provider simulator in process: its co-signer asks our callback through the whole pipeline', () => {
  const ASKING = { SIMULATOR_COSIGNER_ENABLED: 'true', SIMULATOR_RETRY_INTERVAL_MS: '100' };
  const t = useTestApp({ env: { ...ASKING, COSIGNER_DECISION_TIMEOUT_MS: '300' } });
  const simulator = (): ProviderSimulator => t.app.get(ProviderSimulator);
  const settled = (externalTxId: string) => untilSettled(simulator(), externalTxId);

  const workspaceWithPolicy = () => keyWithPolicy(t, ethPolicy('10'));

  it('asks about a transfer submitted through POST /v1/transfers, and signs it on our verified APPROVE', async () => {
    const key = await workspaceWithPolicy();
    const transfer = await submitTransfer(t, key, { amount: '2.5' });
    const transaction = await settled(transfer.externalTxId);
    expect(transaction).toMatchObject({ status: 'COMPLETED', signed: true, retries: 0, asset: 'ETH', amount: '2.5' });
    expect(transaction.answers).toHaveLength(1);
    expect(transaction.answers[0]).toMatchObject({ httpStatus: 200, verified: true, action: 'APPROVE' });
    // Verified again here, with the public half the test run made: the simulator checked a real signature.
    expect(verifiedAnswer(transaction.answers[0]!.token!)).toEqual({ action: 'APPROVE', requestId: transaction.requestId });

    const view = (await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json();
    expect(view).toMatchObject({ status: 'approved', providerTxId: transaction.id, decision: { rule: 'eth', reason: 'rule_approved' } });
    await expectAuditRow(t.superuser, {
      action: 'cosigner.decide',
      target: { type: 'transfer', id: transfer.id },
      actor: { type: 'provider', id: 'simulator' },
      after: expect.objectContaining({ txId: transaction.id, requestId: transaction.requestId, action: 'APPROVE' }),
    });
    // The callback went through Fastify's pipeline, as the provider's HTTP call would.
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        msg: 'request completed',
        method: 'POST',
        route: '/v1/cosigner/:provider/v2/tx_sign_request',
        status: 200,
      }),
    );
  });

  it('records our REJECT with its reason: over a cap, a blocked destination, and a transaction made at the provider elsewhere', async () => {
    const key = await workspaceWithPolicy();
    const overCap = await submitTransfer(t, key, { amount: '150' });
    const blocked = await submitTransfer(t, key, { destination: { address: '0x00000000000000000000000000000000000000bd' } });
    const elsewhere = simulator().createFromConsole({
      externalTxId: 'made-in-the-console-1',
      asset: 'ETH',
      amount: '1',
      source: { type: 'VAULT', id: '0' },
      destination: { type: 'ONE_TIME_ADDRESS', address: '0x00000000000000000000000000000000000000aa' },
    });
    const outcomes = await Promise.all([overCap.externalTxId, blocked.externalTxId, elsewhere.externalTxId].map(settled));
    expect(outcomes.map(({ status, signed, rejectionReason }) => ({ status, signed, rejectionReason }))).toEqual([
      { status: 'REJECTED', signed: false, rejectionReason: 'cap_per_transaction' },
      { status: 'REJECTED', signed: false, rejectionReason: 'rule_rejected' },
      { status: 'REJECTED', signed: false, rejectionReason: 'unknown_external_tx' },
    ]);
    for (const transfer of [overCap, blocked]) {
      const view = (await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json();
      expect(view.status).toBe('rejected');
    }
    await expectAuditRow(t.superuser, {
      action: 'cosigner.decide',
      reason: 'unknown_external_tx',
      target: { type: 'cosigner_request', id: `simulator:${elsewhere.requestId}` },
    });
  });

  it('answers RETRY while another decision holds the cap window, and decides the identical call that follows', async () => {
    const key = await workspaceWithPolicy();
    const intent = {
      asset: 'ETH',
      amount: '3',
      source: { type: 'VAULT', id: '0' },
      destination: { type: 'ONE_TIME_ADDRESS', address: '0x00000000000000000000000000000000000000aa' },
    };
    const hold = await holdCapWindow(t.app, { workspaceId: key.workspaceId, environment: 'live' }, 'simulator', intent);
    let transfer;
    try {
      transfer = await submitTransfer(t, key, intent);
      await until(
        'a RETRY answered while the window is held',
        () => simulator().transaction(transfer!.externalTxId),
        (transaction) => (transaction?.retries ?? 0) >= 1,
      );
    } finally {
      await hold.release();
    }
    const transaction = await settled(transfer.externalTxId);
    expect(transaction.status).toBe('COMPLETED');
    const actions = transaction.answers.map((answer) => answer.action);
    expect(actions[actions.length - 1]).toBe('APPROVE');
    expect(actions.slice(0, -1).every((action) => action === 'RETRY')).toBe(true);
    expect(transaction.retries).toBe(actions.length - 1);
    expect(
      transaction.answers.every((answer) => answer.verified && verifiedAnswer(answer.token!).requestId === transaction.requestId),
    ).toBe(true);
    const view = (await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json();
    expect(view.status).toBe('approved');
  });

  it('stops with the application: no call is scheduled once it has closed', async () => {
    const closing = await createTestApp(t.db, { env: { ...ASKING, SIMULATOR_RETRY_INTERVAL_MS: '600000' } });
    const alive = closing.app.get(ProviderSimulator);
    const request = {
      asset: 'ETH',
      amount: '1',
      source: { type: 'VAULT', id: '0' },
      destination: { type: 'ONE_TIME_ADDRESS', address: '0x00000000000000000000000000000000000000aa' },
    };
    const before = timeouts();
    const asked = alive.createFromConsole({ ...request, externalTxId: 'before-the-close' });
    expect(timeouts()).toBe(before + 1);
    await until(
      'the call before the close is answered',
      () => alive.transaction(asked.externalTxId)?.status,
      (status) => status === 'REJECTED',
    );
    await closing.close();
    const after = timeouts();
    const unasked = alive.createFromConsole({ ...request, externalTxId: 'after-the-close' });
    expect(timeouts()).toBe(after);
    expect(alive.transaction(unasked.externalTxId)?.answers).toEqual([]);
  });
});
