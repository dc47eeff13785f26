import fc from 'fast-check';
import { parseDecimal } from '../policy/decimal';
import { noWindowUsage, validatedPolicy } from '../../../../../test/support/cosigner-policy';
import { decide } from '../policy/policy-engine';
import { MAX_DESTINATIONS, readSignRequest } from './sign-request';

const AT = new Date('2026-11-29T12:00:00Z');

describe('signing requests, read defensively', () => {
  it('reads the fields the policy uses, ignoring the rest, and the amount from amountStr only', () => {
    const request = readSignRequest(
      {
        requestId: 'req-1',
        txId: 'tx-1',
        externalTxId: 'w:k',
        operation: 'TRANSFER',
        sourceType: 'VAULT_ACCOUNT',
        sourceId: '0',
        destType: 'ONE_TIME_ADDRESS',
        destAddress: '0xabc',
        asset: 'ETH',
        amountStr: '1.000000000000000001',
        amount: 999,
        somethingNew: { nested: true },
      },
      AT,
    );
    expect(request).toEqual({
      requestId: 'req-1',
      txId: 'tx-1',
      externalTxId: 'w:k',
      facts: {
        operation: 'TRANSFER',
        asset: 'ETH',
        amount: parseDecimal('1.000000000000000001'),
        source: { type: 'VAULT_ACCOUNT', id: '0' },
        destinations: [{ type: 'ONE_TIME_ADDRESS', address: '0xabc' }],
        at: AT,
      },
    });
    expect(readSignRequest({ requestId: 'r', amount: 5 }, AT).facts.amount).toBeUndefined();
  });

  it('takes every destination of a multi-destination request, and defaults the operation to TRANSFER', () => {
    const request = readSignRequest(
      {
        requestId: 'r',
        destinations: [
          { amountNativeStr: '1', dstType: 'EXTERNAL_WALLET', dstId: 'wallet-7', displayDstAddress: '0x1' },
          { dstType: 'ONE_TIME_ADDRESS', dstAddress: '0x2' },
          'garbage',
        ],
      },
      AT,
    );
    expect(request.facts.operation).toBe('TRANSFER');
    expect(request.facts.destinations).toEqual([
      { type: 'EXTERNAL_WALLET', id: 'wallet-7', address: '0x1' },
      { type: 'ONE_TIME_ADDRESS', address: '0x2' },
      {},
    ]);
  });

  it('names what is present but unreadable, so the decision can reject it honestly', () => {
    expect(readSignRequest({ requestId: 'r', amountStr: '1e18' }, AT).unreadable).toBe('amountStr');
    expect(readSignRequest({ requestId: 'r', amountStr: -1 }, AT).unreadable).toBe('amountStr');
    expect(readSignRequest({ requestId: 'r', destinations: 'all' }, AT).unreadable).toBe('destinations');
    expect(readSignRequest({ requestId: 'r', destinations: Array.from({ length: MAX_DESTINATIONS + 1 }, () => ({})) }, AT).unreadable).toBe(
      'destinations',
    );
    expect(readSignRequest({ requestId: 'x'.repeat(513) }, AT).requestId).toBeUndefined();
  });

  it('never throws and never approves what a destination allow-list does not name, whatever the payload (property)', () => {
    const policy = validatedPolicy([{ name: 'listed', action: 'APPROVE', match: { destinations: ['wallet-7'] } }]);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            'requestId',
            'asset',
            'amountStr',
            'destType',
            'destId',
            'destAddress',
            'destinations',
            'operation',
            'sourceType',
          ),
          fc.jsonValue(),
        ),
        (payload) => {
          const request = readSignRequest(payload, AT);
          const decision = decide(policy, request.facts, noWindowUsage);
          if (decision.action === 'APPROVE')
            expect(request.facts.destinations.every((d) => d.id === 'wallet-7' || d.address === 'wallet-7')).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
