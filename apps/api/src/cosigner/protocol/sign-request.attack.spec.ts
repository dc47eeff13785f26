import { ZERO } from '../policy/decimal';
import { validatePolicy } from '../policy/policy-document';
import { decide } from '../policy/policy-engine';
import { readSignRequest } from './sign-request';

const AT = new Date('2026-11-29T12:00:00Z');
const unused = () => ({ sum: ZERO, count: 0 });
const documentOf = (rules: unknown[]) => {
  const result = validatePolicy({ rules });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.document;
};

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
});
