import { parseDecimal, ZERO } from './decimal';
import { PolicyDocument, validatePolicy } from './policy-document';
import { decide, TransferFacts } from './policy-engine';

const unused = () => ({ sum: ZERO, count: 0 });
const documentOf = (rules: unknown[]): PolicyDocument => {
  const result = validatePolicy({ rules });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.document;
};
const facts = (overrides: Partial<TransferFacts> = {}): TransferFacts => ({
  operation: 'TRANSFER',
  asset: 'ETH',
  amount: parseDecimal('1')!,
  source: { type: 'VAULT_ACCOUNT', id: '0' },
  destinations: [{ type: 'ONE_TIME_ADDRESS', address: '0xgood' }],
  at: new Date('2026-11-29T12:00:00Z'),
  ...overrides,
});

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
});
