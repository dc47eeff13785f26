import { generateKeyPairSync, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { intentMismatch } from '../../cosigner/decisions/intent-match';
import { CallbackAnswer, signCallbackAnswer } from '../../cosigner/protocol/callback-answer';
import { readSignRequest } from '../../cosigner/protocol/sign-request';
import { CallbackTransport, SimulatedCosigner, SimulatedCosignerOptions, SimulatedTransferRequest } from './simulated-cosigner';
import { SimulatedProvider } from './simulated-provider';

const simulator = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ours = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const REQUEST: SimulatedTransferRequest = {
  externalTxId: '5f1c2a9e-7b3d-4e8a-9c61-0d2f4b6a8e10:live:payout-1',
  asset: 'ETH',
  amount: '1.25',
  source: { type: 'VAULT_ACCOUNT', id: '0' },
  destination: { type: 'ONE_TIME_ADDRESS', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
  note: 'payout',
};

const unsigned = (payload: object): string =>
  `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

type Answering = (payload: Record<string, unknown>) => Omit<CallbackAnswer, 'requestId'> | { status: number; body: string };

/** Our callback, played: it verifies each request with the simulator's public key and answers as `answering` says, signed with `key`. */
function ourCallback(answering: Answering, key: KeyObject = ours.privateKey) {
  const received: string[] = [];
  const transport: CallbackTransport = (_route, token) => {
    received.push(token);
    const payload = jwt.verify(token, simulator.publicKey, { algorithms: ['RS256'] }) as Record<string, unknown>;
    const answer = answering(payload);
    if ('status' in answer) return Promise.resolve(answer);
    return Promise.resolve({ status: 200, body: signCallbackAnswer({ ...answer, requestId: payload['requestId'] as string }, key, 'v1') });
  };
  return { transport, received };
}

function providerWith(transport: CallbackTransport, options: Partial<SimulatedCosignerOptions> = {}) {
  return new SimulatedProvider(
    new SimulatedCosigner({
      signingKey: () => simulator.privateKey,
      responseKey: () => ours.publicKey,
      transport,
      retryIntervalMs: 180_000,
      retryForMs: 3_600_000,
      ...options,
    }),
  );
}

describe("the simulated provider's co-signer", () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('asks once the caller has returned, with a request built as the provider documents it, and signs on APPROVE', async () => {
    const callback = ourCallback(() => ({ action: 'APPROVE' }));
    const provider = providerWith(callback.transport);
    const { transaction, created } = provider.create(REQUEST);
    expect(created).toBe(true);
    expect(callback.received).toEqual([]);
    await jest.advanceTimersByTimeAsync(0);
    const payload = jwt.decode(callback.received[0]!) as Record<string, unknown>;
    expect(jwt.decode(callback.received[0]!, { complete: true })?.header.alg).toBe('RS256');
    expect(payload).toMatchObject({
      requestId: transaction.requestId,
      txId: transaction.id,
      externalTxId: REQUEST.externalTxId,
      operation: 'TRANSFER',
      sourceType: 'VAULT_ACCOUNT',
      sourceId: '0',
      asset: 'ETH',
      amountStr: '1.25',
      destType: 'ONE_TIME_ADDRESS',
      destAddress: REQUEST.destination.address,
      destinations: [{ amountNativeStr: '1.25', dstType: 'ONE_TIME_ADDRESS', dstAddress: REQUEST.destination.address }],
    });
    // What our cosigner reads of it is exactly the intent that was submitted.
    const read = readSignRequest(payload, new Date());
    expect(read.unreadable).toBeUndefined();
    expect(intentMismatch(REQUEST, read.facts)).toBeUndefined();
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'COMPLETED', signed: true, retries: 0 });
    expect(provider.find({ externalTxId: REQUEST.externalTxId })?.answers).toEqual([
      {
        at: expect.any(String),
        httpStatus: 200,
        verified: true,
        requestId: transaction.requestId,
        action: 'APPROVE',
        token: expect.any(String),
      },
    ]);
    // The same external reference again is the same transaction, not asked about twice.
    expect(provider.create(REQUEST)).toMatchObject({ created: false, transaction: { id: transaction.id } });
    await jest.advanceTimersByTimeAsync(0);
    expect(callback.received).toHaveLength(1);
  });

  it('names a whitelisted destination by its id, at the top and listed, which our reader takes as one', async () => {
    const callback = ourCallback(() => ({ action: 'APPROVE' }));
    const whitelisted = { ...REQUEST, destination: { type: 'EXTERNAL_WALLET', id: 'wallet-7' } };
    providerWith(callback.transport).create(whitelisted);
    await jest.advanceTimersByTimeAsync(0);
    const payload = jwt.decode(callback.received[0]!) as Record<string, unknown>;
    expect(payload).toMatchObject({
      destType: 'EXTERNAL_WALLET',
      destId: 'wallet-7',
      destinations: [{ dstType: 'EXTERNAL_WALLET', dstId: 'wallet-7' }],
    });
    expect(intentMismatch(whitelisted, readSignRequest(payload, new Date()).facts)).toBeUndefined();
  });

  it('rejects on REJECT, with the reason', async () => {
    const provider = providerWith(ourCallback(() => ({ action: 'REJECT', rejectionReason: 'cap_window_sum' })).transport);
    const { transaction } = provider.create(REQUEST);
    await jest.advanceTimersByTimeAsync(0);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'REJECTED', signed: false, rejectionReason: 'cap_window_sum' });
  });

  it('sends the identical request again on RETRY, on its schedule, and records the decision that follows', async () => {
    let calls = 0;
    const callback = ourCallback(() => ((calls += 1) < 3 ? { action: 'RETRY' } : { action: 'APPROVE' }));
    const provider = providerWith(callback.transport);
    const { transaction } = provider.create(REQUEST);
    await jest.advanceTimersByTimeAsync(0);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'PENDING_SIGNATURE', retries: 1 });
    await jest.advanceTimersByTimeAsync(179_999);
    expect(callback.received).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(callback.received).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(180_000);
    expect(new Set(callback.received).size).toBe(1);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'COMPLETED', signed: true, retries: 2 });
    expect(provider.find({ id: transaction.id })?.answers.map((answer) => answer.action)).toEqual(['RETRY', 'RETRY', 'APPROVE']);
  });

  it('fails a transaction still answered RETRY when its retry window has passed (every 3 minutes for 60 by default)', async () => {
    const callback = ourCallback(() => ({ action: 'RETRY' }));
    const provider = providerWith(callback.transport);
    const { transaction } = provider.create(REQUEST);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(callback.received).toHaveLength(21);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'FAILED', failureReason: 'retry_window_passed', retries: 21 });
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(callback.received).toHaveLength(21);
  });

  it('fails the transaction, as the provider would, on an answer it cannot verify or none', async () => {
    const cases: [string, CallbackTransport, string][] = [
      ['signed by another key', ourCallback(() => ({ action: 'APPROVE' }), stranger.privateKey).transport, 'answer_unverifiable'],
      [
        "an APPROVE for another request's id",
        () => Promise.resolve({ status: 200, body: signCallbackAnswer({ action: 'APPROVE', requestId: 'other' }, ours.privateKey, 'v1') }),
        'answer_invalid',
      ],
      ['IGNORE, which a signing request may not be answered', ourCallback(() => ({ action: 'IGNORE' })).transport, 'answer_invalid'],
      ['not a token', ourCallback(() => ({ status: 200, body: 'APPROVE' })).transport, 'answer_unverifiable'],
      [
        'an unsigned token',
        ourCallback((payload) => ({ status: 200, body: unsigned({ action: 'APPROVE', requestId: payload['requestId'] }) })).transport,
        'answer_unverifiable',
      ],
      ['a 401', ourCallback(() => ({ status: 401, body: '{}' })).transport, 'callback_http_401'],
      ['a 500', ourCallback(() => ({ status: 500, body: '{}' })).transport, 'callback_http_500'],
      ['no connection', () => Promise.reject(new Error('ECONNREFUSED')), 'callback_unanswered'],
    ];
    for (const [name, transport, reason] of cases) {
      const provider = providerWith(transport);
      const { transaction } = provider.create(REQUEST);
      await jest.advanceTimersByTimeAsync(0);
      const recorded = provider.find({ id: transaction.id });
      expect({ name, status: recorded?.status, signed: recorded?.signed, reason: recorded?.failureReason }).toEqual({
        name,
        status: 'FAILED',
        signed: false,
        reason,
      });
    }
  });

  it('fails a request our callback leaves unanswered past the budget', async () => {
    jest.useRealTimers();
    const hanging: CallbackTransport = (_route, _token, signal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const provider = providerWith(hanging, { answerTimeoutMs: 20 });
    const { transaction } = provider.create(REQUEST);
    for (let polls = 0; provider.find({ id: transaction.id })?.status !== 'FAILED' && polls < 200; polls += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'FAILED', failureReason: 'callback_unanswered' });
  });

  it('fails the transaction when it has no key to sign with', async () => {
    const provider = providerWith(ourCallback(() => ({ action: 'APPROVE' })).transport, {
      signingKey: () => {
        throw new Error('ENOENT');
      },
    });
    const { transaction } = provider.create(REQUEST);
    await jest.advanceTimersByTimeAsync(0);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'FAILED', failureReason: 'cosigner_key_unavailable' });
  });

  it('leaves no timer behind once stopped, and records nothing after', async () => {
    const callback = ourCallback(() => ({ action: 'RETRY' }));
    const provider = providerWith(callback.transport);
    const { transaction } = provider.create(REQUEST);
    provider.create({ ...REQUEST, externalTxId: 'another' });
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(2);
    await provider.stop();
    expect(jest.getTimerCount()).toBe(0);
    provider.create({ ...REQUEST, externalTxId: 'after the stop' });
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(callback.received).toHaveLength(2);
    expect(provider.find({ id: transaction.id })).toMatchObject({ status: 'PENDING_SIGNATURE', retries: 1 });
  });
});
