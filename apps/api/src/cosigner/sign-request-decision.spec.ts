import { noWindowUsage, validatedPolicy } from '../../../../test/support/cosigner-policy';
import { readSignRequest } from './protocol/sign-request';
import { callbackAnswerOf, decideSignRequest } from './sign-request-decision';

const AT = new Date('2026-11-29T12:00:00Z');
const unused = noWindowUsage;
const approveAll = validatedPolicy([{ name: 'everything', action: 'APPROVE', match: {} }]);

describe('a signing request decided', () => {
  it('rejects a field it could not read even under a policy that approves everything', () => {
    for (const [payload, field] of [
      [{ requestId: 'r', amountStr: '1e3' }, 'amountStr'],
      [{ requestId: 'r', destinations: 'everyone' }, 'destinations'],
      [{ requestId: 'r', operation: ['RAW'] }, 'operation'],
      [{ requestId: 'r', amountStr: '1', destinations: [{ amountNativeStr: '600' }, { amountNativeStr: '600' }] }, 'amountStr'],
    ] as const) {
      const request = readSignRequest(payload, AT);
      expect({ field, decision: decideSignRequest(approveAll, request, unused) }).toEqual({
        field,
        decision: { action: 'REJECT', reason: `unreadable_field:${field}` },
      });
    }
  });

  it('rejects everything without an active policy, and lets the policy decide otherwise', () => {
    const request = readSignRequest({ requestId: 'r', asset: 'ETH', amountStr: '1' }, AT);
    expect(decideSignRequest(undefined, request, unused)).toEqual({ action: 'REJECT', reason: 'no_active_policy' });
    expect(decideSignRequest(approveAll, request, unused)).toMatchObject({ action: 'APPROVE', ruleName: 'everything' });
  });

  it('answers APPROVE bare and REJECT with its reason, echoing the request id', () => {
    expect(callbackAnswerOf({ action: 'APPROVE', rule: 0, ruleName: 'x', reason: 'rule_approved' }, 'req-1')).toEqual({
      action: 'APPROVE',
      requestId: 'req-1',
    });
    expect(callbackAnswerOf({ action: 'REJECT', reason: 'no_rule_matched' }, 'req-2')).toEqual({
      action: 'REJECT',
      requestId: 'req-2',
      rejectionReason: 'no_rule_matched',
    });
  });
});
