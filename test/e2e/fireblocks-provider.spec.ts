import { randomUUID } from 'node:crypto';
import { FireblocksProvider } from '../../apps/api/src/providers/fireblocks/fireblocks-provider';
import { SimulatorApiServer } from '../../apps/api/src/providers/simulator/simulator-api-server';
import { expectAuditRow } from '../support/assertions';
import {
  ethPolicy,
  keyWithPolicy,
  submitTransfer,
  transferView,
  untilSettled,
  untilSubmissionFailed,
  verifiedAnswer,
} from '../support/cosigner';
import {
  FIREBLOCKS_API_KEY as API_KEY,
  FIREBLOCKS_API_PEM as API_PEM,
  FIREBLOCKS_FILES,
  useSimulatedFireblocks,
} from '../support/fireblocks';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/** A PEM's base64 body: what would show if any of it reached a log. */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('the fireblocks provider over HTTP, against the simulated provider API', () => {
  const fireblocks = useSimulatedFireblocks();
  const env = () => fireblocks.env();
  const t = useTestApp({ listen: true, env, secretFiles: FIREBLOCKS_FILES });
  // As the provider's console is told where the co-signer calls: our real socket.
  beforeAll(() => fireblocks.connect(t));
  let simulator: SimulatorApiServer;
  beforeAll(() => (simulator = fireblocks.simulator));

  const settled = (externalTxId: string) => untilSettled(simulator, externalTxId);
  const workspaceWithPolicy = () => keyWithPolicy(t, ethPolicy('10'));

  it('creates a transfer at the provider, whose co-signer asks our callback over HTTP, and records the decision', async () => {
    const key = await workspaceWithPolicy();
    const approved = await submitTransfer(t, key, { amount: '2' });
    const overCap = await submitTransfer(t, key, { amount: '250', destination: { type: 'EXTERNAL_WALLET', id: 'wallet-9' } });
    const [signed, rejected] = await Promise.all([settled(approved.externalTxId), settled(overCap.externalTxId)]);
    expect(signed).toMatchObject({ status: 'COMPLETED', signed: true, asset: 'ETH', amount: '2' });
    expect(verifiedAnswer(signed.answers[0]!.token!)).toEqual({ action: 'APPROVE', requestId: signed.requestId });
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'cap_per_transaction',
      destination: { type: 'EXTERNAL_WALLET', id: 'wallet-9' },
    });
    expect(await transferView(t, key, approved)).toMatchObject({ status: 'approved', provider: 'fireblocks', providerTxId: signed.id });
    expect(await transferView(t, key, overCap)).toMatchObject({ status: 'rejected', provider: 'fireblocks', providerTxId: rejected.id });
    const created = simulator.requests().filter((request) => request.method === 'POST' && request.body.includes(approved.externalTxId));
    expect(created.map(({ status, apiKey }) => ({ status, apiKey }))).toEqual([{ status: 200, apiKey: API_KEY }]);
    await expectAuditRow(t.superuser, {
      action: 'cosigner.decide',
      target: { type: 'transfer', id: approved.id },
      actor: { type: 'provider', id: 'fireblocks' },
      outcome: 'success',
    });
  });

  it('leaves a transfer submitted when the provider answers 500, or nothing in time [API10:2023]', async () => {
    const key = await workspaceWithPolicy();
    simulator.failNext({ status: 500 });
    const failed = await submitTransfer(t, key);
    expect((await untilSubmissionFailed(t, failed))?.failure).toBe('http_500');
    simulator.failNext({ hangMs: 1500 });
    const unanswered = await submitTransfer(t, key);
    expect((await untilSubmissionFailed(t, unanswered))?.failure).toBe('timeout');
    for (const transfer of [failed, unanswered]) {
      expect(await transferView(t, key, transfer)).toMatchObject({ status: 'submitted', providerTxId: null, decision: null });
      expect(simulator.transaction(transfer.externalTxId)).toBeUndefined();
    }
  });

  it('never fails a transfer the provider made when its answer was lost: the callback records it, a resubmission finds it by reference', async () => {
    const key = await workspaceWithPolicy();
    simulator.failNext({ status: 500, afterCreating: true });
    const transfer = await submitTransfer(t, key);
    expect((await untilSubmissionFailed(t, transfer))?.failure).toBe('http_500');
    const made = await settled(transfer.externalTxId);
    expect(made.status).toBe('COMPLETED');
    expect(await transferView(t, key, transfer)).toMatchObject({ status: 'approved', providerTxId: made.id });
    // Handed again (the provider refuses the reference with a 400): the adapter answers the transaction it made.
    const before = simulator.requests().length;
    const again = await t.app.get(FireblocksProvider).submitTransfer({ ...transfer, externalTxId: transfer.externalTxId });
    expect(again).toEqual({ providerTxId: made.id });
    const since = simulator.requests().slice(before);
    expect(since.map(({ method, status }) => [method, status])).toEqual([
      ['POST', 400],
      ['GET', 200],
    ]);
  });

  it('fails the transfer the provider refuses (credentials it does not know), and writes nothing of a key or token anywhere', async () => {
    const unknownKey = randomUUID();
    const other = await t.another({ env: env(), secretFiles: { ...FIREBLOCKS_FILES, 'fireblocks-api-key.v1.key': unknownKey } });
    const key = await workspaceWithPolicy();
    const transfer = await submitTransfer(other, key);
    const failed = await until(
      'the refused transfer is failed',
      () => transferView(other, key, transfer),
      (answer) => answer['status'] === 'failed',
    );
    expect(failed).toMatchObject({ providerTxId: null, decision: null });
    const { rows } = await t.superuser.query(`SELECT reason FROM transfers WHERE id = $1`, [transfer.id]);
    expect(rows).toEqual([{ reason: 'provider_refused:http_401:-7' }]);
    expect(simulator.requests().slice(-1)[0]).toMatchObject({ status: 401, refused: 'api_key', apiKey: unknownKey });
    await expectAuditRow(t.superuser, {
      action: 'transfer.fail',
      target: { type: 'transfer', id: transfer.id },
      reason: 'provider_refused:http_401:-7',
    });

    const tokens = simulator
      .requests()
      .flatMap((request) => (request.authorization ? [request.authorization.slice('Bearer '.length)] : []));
    expect(tokens.length).toBeGreaterThan(3);
    const secrets = [API_KEY, unknownKey, pemBody(API_PEM).slice(0, 48), ...tokens, ...tokens.map((token) => token.split('.')[2]!)];
    const written = [t.rawLogs(), other.rawLogs(), JSON.stringify(failed)].join('\n');
    for (const secret of secrets) expect(written).not.toContain(secret);
    const audit = await t.superuser.query(
      `SELECT coalesce(string_agg(before::text || after::text || coalesce(reason, ''), ''), '') AS all FROM audit_log`,
    );
    for (const secret of secrets) expect(audit.rows[0].all).not.toContain(secret);
  });
});
