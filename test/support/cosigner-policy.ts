import { parseDecimal, ZERO } from '../../apps/api/src/cosigner/policy/decimal';
import { PolicyDocument, validatePolicy } from '../../apps/api/src/cosigner/policy/policy-document';
import type { TransferFacts, WindowUsage } from '../../apps/api/src/cosigner/policy/policy-engine';

/** A policy of `rules`, validated as a write would validate it; a fixture that does not validate fails its test at once. */
export function validatedPolicy(rules: readonly unknown[]): PolicyDocument {
  const result = validatePolicy({ rules });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.document;
}

/** What a rule's window has approved before the request: nothing. */
export const noWindowUsage = (): WindowUsage => ({ sum: ZERO, count: 0 });

export const SAMPLE_EVM_ADDRESS = '0x52908400098527886E0F7030069857D2E4169EE7';

/** A signing request's facts: 1 ETH from vault 0 to one one-time EVM address at noon UTC, with `overrides`. */
export function transferFacts(overrides: Partial<TransferFacts> = {}): TransferFacts {
  return {
    operation: 'TRANSFER',
    asset: 'ETH',
    amount: parseDecimal('1')!,
    source: { type: 'VAULT_ACCOUNT', id: '0' },
    destinations: [{ type: 'ONE_TIME_ADDRESS', address: SAMPLE_EVM_ADDRESS }],
    at: new Date('2026-11-29T12:00:00Z'),
    ...overrides,
  };
}
