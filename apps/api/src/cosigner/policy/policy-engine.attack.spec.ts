import { noWindowUsage, transferFacts, validatedPolicy } from '../../../../../test/support/cosigner-policy';
import { PolicyDocument, validatePolicy } from './policy-document';
import { decide, TransferFacts } from './policy-engine';

const unused = noWindowUsage;
const documentOf = validatedPolicy;
const facts = (overrides: Partial<TransferFacts> = {}): TransferFacts =>
  transferFacts({ destinations: [{ type: 'ONE_TIME_ADDRESS', address: '0xgood' }], ...overrides });

describe('attacks on the policy engine', () => {
  it('rejects at a rule naming source ids when the request has the type but no readable id (never passes it on)', () => {
    const policy = documentOf([
      { name: 'hot vault', action: 'REJECT', match: { sources: [{ type: 'VAULT_ACCOUNT', id: '5' }] } },
      { name: 'everything else', action: 'APPROVE', match: {} },
    ]);
    expect(decide(policy, facts({ source: { type: 'VAULT_ACCOUNT' } }), unused)).toMatchObject({
      action: 'REJECT',
      rule: 0,
      reason: 'missing_field:source',
    });
    // A source of another type is not that rule's business; one with its id decides as before.
    expect(decide(policy, facts({ source: { type: 'EXCHANGE_ACCOUNT' } }), unused)).toMatchObject({ action: 'APPROVE', rule: 1 });
    expect(decide(policy, facts({ source: { type: 'VAULT_ACCOUNT', id: '5' } }), unused)).toMatchObject({ action: 'REJECT', rule: 0 });
    expect(decide(policy, facts({ source: { type: 'VAULT_ACCOUNT', id: '4' } }), unused)).toMatchObject({ action: 'APPROVE', rule: 1 });
    // A type-only entry still admits a source without id.
    const anyVault = documentOf([{ name: 'vaults', action: 'APPROVE', match: { sources: [{ type: 'VAULT_ACCOUNT' }] } }]);
    expect(decide(anyVault, facts({ source: { type: 'VAULT_ACCOUNT' } }), unused).action).toBe('APPROVE');
  });

  it('rejects at a REJECT rule on destinations when any destination of a multi-destination request is one it names', () => {
    const denied = documentOf([
      { name: 'denied address', action: 'REJECT', match: { destinations: ['0xbad'] } },
      { name: 'no one-time addresses', action: 'REJECT', match: { destinationTypes: ['ONE_TIME_ADDRESS'] } },
      { name: 'everything else', action: 'APPROVE', match: {} },
    ]);
    const to = (...destinations: TransferFacts['destinations']) => decide(denied, facts({ destinations }), unused);
    expect(to({ type: 'EXTERNAL_WALLET', address: '0xbad' }, { type: 'EXTERNAL_WALLET', address: '0xgood' })).toMatchObject({
      action: 'REJECT',
      rule: 0,
    });
    expect(to({ type: 'EXTERNAL_WALLET', address: '0xgood' }, { type: 'ONE_TIME_ADDRESS', address: '0xgood2' })).toMatchObject({
      action: 'REJECT',
      rule: 1,
    });
    expect(to({ type: 'EXTERNAL_WALLET', address: '0xgood' }, { type: 'EXTERNAL_WALLET', address: '0xgood2' })).toMatchObject({
      action: 'APPROVE',
      rule: 2,
    });
    // An APPROVE rule still needs every destination listed.
    const allowed = documentOf([
      { name: 'allowed', action: 'APPROVE', match: { destinations: ['0xgood'], destinationTypes: ['EXTERNAL_WALLET'] } },
    ]);
    expect(
      decide(
        allowed,
        facts({
          destinations: [
            { type: 'EXTERNAL_WALLET', address: '0xgood' },
            { type: 'EXTERNAL_WALLET', address: '0xbad' },
          ],
        }),
        unused,
      ),
    ).toMatchObject({ action: 'REJECT', reason: 'no_rule_matched' });
    expect(
      decide(
        allowed,
        facts({
          destinations: [
            { type: 'EXTERNAL_WALLET', address: '0xgood' },
            { type: 'ONE_TIME_ADDRESS', address: '0xgood' },
          ],
        }),
        unused,
      ),
    ).toMatchObject({ action: 'REJECT', reason: 'no_rule_matched' });
  });

  it('does not call a REJECT rule on destinations unreachable behind an APPROVE rule listing more (it catches mixed requests)', () => {
    const result = validatePolicy({
      rules: [
        { name: 'listed', action: 'APPROVE', match: { destinations: ['0xa', '0xb'] } },
        { name: 'a with others', action: 'REJECT', match: { destinations: ['0xa'] } },
        { name: 'listed types', action: 'APPROVE', match: { destinationTypes: ['EXTERNAL_WALLET', 'VAULT_ACCOUNT'] } },
        { name: 'wallets with others', action: 'REJECT', match: { destinationTypes: ['EXTERNAL_WALLET'] } },
      ],
    });
    expect(result.errors).toBeUndefined();
    if (result.errors) return;
    const policy = result.document;
    expect(decide(policy, facts({ destinations: [{ address: '0xa' }, { address: '0xc' }] }), unused)).toMatchObject({ rule: 1 });
    // Still unreachable: a REJECT rule behind a REJECT rule listing more, an APPROVE rule behind a REJECT rule listing more.
    for (const [first, second] of [
      ['REJECT', 'REJECT'],
      ['REJECT', 'APPROVE'],
      ['APPROVE', 'APPROVE'],
    ])
      expect(
        validatePolicy({
          rules: [
            { name: 'first', action: first, match: { destinations: ['0xa', '0xb'] } },
            { name: 'second', action: second, match: { destinations: ['0xa'] } },
          ],
        }).errors,
      ).toEqual([{ path: 'rules[1]', message: expect.stringContaining('unreachable') }]);
  });

  it('decides under the largest policy of list-heavy rules in about a millisecond, not tens of them', () => {
    // 200 rules that each walk 1000-entry destination and type lists for 100 destinations and fail only on the time of day.
    const hm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const types = Array.from({ length: 1000 }, (_, i) => `TYPE_${i}`);
    const addresses = Array.from({ length: 1000 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const policy = documentOf(
      Array.from({ length: 200 }, (_, i) => ({
        name: `r${i}`,
        action: 'APPROVE',
        match: { destinationTypes: types, destinations: addresses, timeOfDay: { from: hm(i), to: hm(i + 1) } },
      })),
    );
    const request = facts({
      destinations: Array.from({ length: 100 }, () => ({ type: 'TYPE_999', address: addresses[999]!.toUpperCase().replace('0X', '0x') })),
      at: new Date('2026-11-29T20:00:00Z'),
    });
    // What it costs is measured in `npm run bench` (cosigner policy worst cases).
    expect(decide(policy, request, unused)).toEqual({ action: 'REJECT', reason: 'no_rule_matched' });
  });

  it('decides on the document as validated, never on a list mutated afterwards (the cache cannot go stale)', () => {
    const input = { rules: [{ name: 'listed', action: 'APPROVE', match: { destinations: ['0xold'] } }] };
    const result = validatePolicy(input);
    if (result.errors) throw new Error('invalid');
    const to = (document: PolicyDocument, address: string) => decide(document, facts({ destinations: [{ address }] }), unused).action;
    expect(to(result.document, '0xold')).toBe('APPROVE');
    input.rules[0]!.match.destinations[0] = '0xevil';
    expect(to(result.document, '0xevil')).toBe('REJECT');
    expect(to(result.document, '0xold')).toBe('APPROVE');
    expect(Object.isFrozen(result.document.rules[0]!.match.destinations)).toBe(true);
    // A document built by hand (never validated, not frozen) is read afresh each time.
    const handMade: PolicyDocument = { rules: [{ name: 'listed', action: 'APPROVE', match: { destinations: ['0xold'] } }] };
    expect(to(handMade, '0xold')).toBe('APPROVE');
    (handMade.rules[0]!.match.destinations as string[])[0] = '0xnew';
    expect([to(handMade, '0xold'), to(handMade, '0xnew')]).toEqual(['REJECT', 'APPROVE']);
  });

  it('never approves a one-time address because the destination also carries a listed whitelisted id', () => {
    const policy = documentOf([
      { name: 'wallet-7', action: 'APPROVE', match: { destinations: ['wallet-7'] } },
      { name: 'denied', action: 'REJECT', match: { destinations: ['wallet-9'] } },
    ]);
    const to = (destination: TransferFacts['destinations'][number]) => decide(policy, facts({ destinations: [destination] }), unused);
    expect(to({ type: 'ONE_TIME_ADDRESS', id: 'wallet-7', address: '0xevil' })).toMatchObject({ action: 'REJECT' });
    // The whitelisted wallet itself is approved by its id; a REJECT rule still catches by id whatever the type.
    expect(to({ type: 'EXTERNAL_WALLET', id: 'wallet-7', address: '0xwallet7' })).toMatchObject({ action: 'APPROVE' });
    expect(to({ type: 'ONE_TIME_ADDRESS', id: 'wallet-9', address: '0xother' })).toMatchObject({ action: 'REJECT', rule: 1 });
  });

  it('rejects at a destinations rule a one-time address whose address is missing (its id says nothing), never passing it on', () => {
    const policy = documentOf([
      { name: 'denied', action: 'REJECT', match: { destinations: ['0xbad'] } },
      { name: 'rest', action: 'APPROVE', match: { assets: ['ETH'] } },
    ]);
    expect(decide(policy, facts({ destinations: [{ type: 'ONE_TIME_ADDRESS', id: 'w1' }] }), unused)).toMatchObject({
      action: 'REJECT',
      rule: 0,
      reason: 'missing_field:destination',
    });
    expect(decide(policy, facts({ destinations: [{ type: 'EXTERNAL_WALLET', id: 'w1' }] }), unused)).toMatchObject({ action: 'APPROVE' });
  });

  it('never approves by id a destination that does not say its type (it could be a one-time address), and cannot check one without its address', () => {
    const policy = documentOf([{ name: 'wallets', action: 'APPROVE', match: { destinations: ['wallet-7'] } }]);
    const to = (destination: TransferFacts['destinations'][number]) => decide(policy, facts({ destinations: [destination] }), unused);
    expect(to({ id: 'wallet-7', address: '0xelsewhere' })).toMatchObject({ action: 'REJECT', reason: 'no_rule_matched' });
    expect(to({ id: 'wallet-7' })).toMatchObject({ action: 'REJECT', reason: 'missing_field:destination' });
    expect(to({ type: 'EXTERNAL_WALLET', id: 'wallet-7' })).toMatchObject({ action: 'APPROVE' });
  });
});
