import { noWindowUsage, validatedPolicy } from '../../../../../test/support/cosigner-policy';
import { decide } from '../policy/policy-engine';
import { decideSignRequest } from '../sign-request-decision';
import { readSignRequest } from './sign-request';

const AT = new Date('2026-11-29T12:00:00Z');
const unused = noWindowUsage;
const documentOf = validatedPolicy;

describe('attacks on the signing-request reader', () => {
  it('never reads a present but unreadable operation as TRANSFER (only an absent one is)', () => {
    const transfersOnly = documentOf([{ name: 'transfers', action: 'APPROVE', match: { operations: ['TRANSFER'] } }]);
    for (const operation of [['RAW'], { TRANSFER: true }, '', 7, null, true, 'T'.repeat(513)]) {
      const request = readSignRequest({ requestId: 'r', operation }, AT);
      expect({ operation, unreadable: request.unreadable }).toEqual({ operation, unreadable: 'operation' });
      expect(request.facts.operation).toBeUndefined();
      expect(decide(transfersOnly, request.facts, unused)).toMatchObject({ action: 'REJECT', reason: 'missing_field:operation' });
    }
    expect(readSignRequest({ requestId: 'r' }, AT).facts.operation).toBe('TRANSFER');
    expect(decide(transfersOnly, readSignRequest({ requestId: 'r', operation: 'TRANSFER' }, AT).facts, unused).action).toBe('APPROVE');
  });

  it('decides a multi-destination entry on its dstAddress, never on the display string beside it', () => {
    const listed = documentOf([{ name: 'listed', action: 'APPROVE', match: { destinations: ['0xgood'] } }]);
    const decision = (entry: Record<string, unknown>) =>
      decide(listed, readSignRequest({ requestId: 'r', destinations: [entry] }, AT).facts, unused).action;
    expect(decision({ displayDstAddress: '0xgood', dstAddress: '0xevil' })).toBe('REJECT');
    // A dstAddress present but unreadable is not replaced by the display string either.
    expect(decision({ displayDstAddress: '0xgood', dstAddress: 7 })).toBe('REJECT');
    expect(decision({ displayDstAddress: '0xgood', dstAddress: 'x'.repeat(513) })).toBe('REJECT');
    expect(decision({ displayDstAddress: '0xevil', dstAddress: '0xgood' })).toBe('APPROVE');
    expect(decision({ displayDstAddress: '0xgood' })).toBe('APPROVE');
  });

  it('never decides a multi-destination request on an amountStr its destinations amounts contradict', () => {
    const capped = documentOf([{ name: 'small', action: 'APPROVE', match: {}, caps: { perTransactionMax: '10' } }]);
    const read = (amountStr: string | undefined, ...amounts: unknown[]) =>
      readSignRequest(
        {
          requestId: 'r',
          asset: 'ETH',
          amountStr,
          destinations: amounts.map((amountNativeStr, i) => ({ dstAddress: `0x${i}`, amountNativeStr })),
        },
        AT,
      );
    for (const request of [read('1', '600', '600'), read('1', '0.5', '0.6'), read('1', '0.5', undefined, '0.7'), read('1', '1', 'lots')]) {
      expect(request.unreadable).toBe('amountStr');
      expect(request.facts.amount).toBeUndefined();
      expect(decide(capped, request.facts, unused)).toMatchObject({ action: 'REJECT', reason: 'missing_field:amount' });
    }
    // Amounts that add up, or that are not all given and stay within amountStr, are read as before.
    expect(read('1', '0.4', '0.6').unreadable).toBeUndefined();
    expect(read('1', '0.4', undefined).unreadable).toBeUndefined();
    expect(decide(capped, read('1', '0.4', '0.6').facts, unused).action).toBe('APPROVE');
  });

  it('never lets a destinations list hide a different top-level destination', () => {
    const listed = documentOf([{ name: 'listed', action: 'APPROVE', match: { destinations: ['0xgood'] } }]);
    const decision = (payload: Record<string, unknown>) =>
      decide(
        listed,
        readSignRequest({ requestId: 'r', destinations: [{ dstType: 'EXTERNAL_WALLET', dstAddress: '0xgood' }], ...payload }, AT).facts,
        unused,
      ).action;
    expect(decision({ destType: 'ONE_TIME_ADDRESS', destAddress: '0xevil' })).toBe('REJECT');
    expect(decision({ destId: 'wallet-evil' })).toBe('REJECT');
    // A top-level destination that echoes a listed one, or names neither address nor id, changes nothing.
    expect(decision({ destType: 'EXTERNAL_WALLET', destAddress: '0xgood' })).toBe('APPROVE');
    expect(decision({ destType: 'EXTERNAL_WALLET' })).toBe('APPROVE');
    expect(decision({})).toBe('APPROVE');
  });

  it("reads the provider's one-destination shape (the destination at the top and listed again) as one destination, and nothing near it as one", () => {
    const listed = { dstType: 'ONE_TIME_ADDRESS', dstAddress: '0xGood', amountNativeStr: '1' };
    const destinationsOf = (top: Record<string, unknown>) =>
      readSignRequest({ requestId: 'r', amountStr: '1', destinations: [listed], ...top }, AT).facts.destinations;
    expect(destinationsOf({ destType: 'ONE_TIME_ADDRESS', destAddress: '0xGood' })).toEqual([
      { type: 'ONE_TIME_ADDRESS', address: '0xGood' },
    ]);
    // Anything that differs, even by a letter's case or a type, stays a destination of its own.
    expect(destinationsOf({ destType: 'ONE_TIME_ADDRESS', destAddress: '0xgood' })).toHaveLength(2);
    expect(destinationsOf({ destType: 'EXTERNAL_WALLET', destAddress: '0xGood' })).toHaveLength(2);
    expect(destinationsOf({ destAddress: '0xGood' })).toHaveLength(2);
    expect(destinationsOf({ destType: 'ONE_TIME_ADDRESS', destAddress: '0xGood', destId: 'w' })).toHaveLength(2);
  });

  it('names a destination amount it cannot read as unreadable even when no amountStr came (an uncapped rule never approves it)', () => {
    const anyTransfer = documentOf([{ name: 'any', action: 'APPROVE', match: { operations: ['TRANSFER'] } }]);
    const request = readSignRequest({ requestId: 'r', destinations: [{ dstAddress: '0xa', amountNativeStr: '1e3' }] }, AT);
    expect(request.unreadable).toBe('destinations');
    expect(decideSignRequest(anyTransfer, request, unused)).toEqual({ action: 'REJECT', reason: 'unreadable_field:destinations' });
  });
});
