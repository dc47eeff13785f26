import fc from 'fast-check';
import { noWindowUsage, transferFacts, validatedPolicy } from '../../../../../test/support/cosigner-policy';
import { parseDecimal } from './decimal';
import { PolicyDocument, PolicyRule } from './policy-document';
import { decide, explain } from './policy-engine';

const policy = (...rules: PolicyRule[]): PolicyDocument => validatedPolicy(rules);
const facts = transferFacts;
const unused = noWindowUsage;

describe('the policy engine', () => {
  it('rejects what no rule matches (default deny), and an empty policy rejects everything', () => {
    expect(decide(policy(), facts(), unused)).toEqual({ action: 'REJECT', reason: 'no_rule_matched' });
    const onlyBtc = policy({ name: 'btc', action: 'APPROVE', match: { assets: ['BTC'] } });
    expect(decide(onlyBtc, facts(), unused)).toEqual({ action: 'REJECT', reason: 'no_rule_matched' });
  });

  it('lets the first matching rule decide (property: any order of disjoint rules, the request meets the one it matches)', () => {
    const assets = ['ETH', 'BTC', 'SOL', 'USDC', 'MATIC'];
    fc.assert(
      fc.property(
        fc.shuffledSubarray(assets, { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(...assets),
        (order, approves, asset) => {
          const rules = order.map((name, index): PolicyRule => ({
            name,
            action: approves[index] ? 'APPROVE' : 'REJECT',
            match: { assets: [name] },
          }));
          const decision = decide(policy(...rules), facts({ asset }), unused);
          const deciding = order.indexOf(asset);
          if (deciding < 0) expect(decision).toEqual({ action: 'REJECT', reason: 'no_rule_matched' });
          else expect(decision).toMatchObject({ rule: deciding, action: approves[deciding] ? 'APPROVE' : 'REJECT' });
        },
      ),
    );
    // Overlapping rules: the earlier one wins even when a later one would approve.
    const overlapping = policy(
      { name: 'big', action: 'REJECT', match: { amount: { min: '100' } } },
      { name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] } },
    );
    expect(decide(overlapping, facts({ amount: parseDecimal('100')! }), unused)).toMatchObject({
      action: 'REJECT',
      ruleName: 'big',
      reason: 'rule_rejected',
    });
    expect(decide(overlapping, facts({ amount: parseDecimal('99.999999999999999999')! }), unused)).toMatchObject({
      action: 'APPROVE',
      ruleName: 'eth',
    });
  });

  it('rejects at the rule that needs a field the request lacks, never passing it to a later rule', () => {
    const rules = policy(
      { name: 'ops only', action: 'REJECT', match: { operations: ['MINT'] } },
      { name: 'small', action: 'APPROVE', match: { amount: { max: '10' } } },
      { name: 'rest', action: 'APPROVE', match: { operations: ['TRANSFER'] } },
    );
    expect(decide(rules, facts({ amount: undefined }), unused)).toEqual({
      action: 'REJECT',
      rule: 1,
      ruleName: 'small',
      reason: 'missing_field:amount',
    });
    const byDestination = policy({ name: 'listed', action: 'APPROVE', match: { destinations: ['wallet-7'] } });
    expect(decide(byDestination, facts({ destinations: [] }), unused)).toMatchObject({ reason: 'missing_field:destination' });
    expect(decide(byDestination, facts({ destinations: [{ type: 'EXTERNAL_WALLET' }] }), unused)).toMatchObject({
      reason: 'missing_field:destination',
    });
  });

  it('holds every destination to the allow-list, EVM addresses in any case, whitelisted ids exactly', () => {
    const listed = policy({
      name: 'listed',
      action: 'APPROVE',
      match: {
        destinations: ['0x52908400098527886e0f7030069857d2e4169ee7', 'wallet-7'],
        destinationTypes: ['ONE_TIME_ADDRESS', 'EXTERNAL_WALLET'],
      },
    });
    expect(decide(listed, facts(), unused)).toMatchObject({ action: 'APPROVE' });
    expect(decide(listed, facts({ destinations: [{ type: 'EXTERNAL_WALLET', id: 'wallet-7' }] }), unused)).toMatchObject({
      action: 'APPROVE',
    });
    expect(decide(listed, facts({ destinations: [{ type: 'EXTERNAL_WALLET', id: 'WALLET-7' }] }), unused)).toMatchObject({
      action: 'REJECT',
    });
    const oneOff = [
      { type: 'ONE_TIME_ADDRESS', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
      { type: 'ONE_TIME_ADDRESS', address: '0x0000000000000000000000000000000000000001' },
    ];
    expect(explain(listed, facts({ destinations: oneOff }), unused).trace).toEqual([{ rule: 0, name: 'listed', outcome: 'destination' }]);
    expect(decide(listed, facts({ destinations: [{ type: 'VAULT_ACCOUNT', id: 'wallet-7' }] }), unused)).toMatchObject({
      action: 'REJECT',
    });
  });

  it('applies time-of-day spans in UTC, including spans past midnight', () => {
    const night = policy(
      { name: 'night', action: 'REJECT', match: { timeOfDay: { from: '22:00', to: '06:00' } } },
      { name: 'day', action: 'APPROVE', match: {} },
    );
    const at = (time: string) => decide(night, facts({ at: new Date(`2026-11-29T${time}Z`) }), unused).action;
    expect([at('21:59:59'), at('22:00:00'), at('03:00:00'), at('05:59:59'), at('06:00:00')]).toEqual([
      'APPROVE',
      'REJECT',
      'REJECT',
      'REJECT',
      'APPROVE',
    ]);
  });

  it('caps per transaction and over the window, exactly, and reserves what it approves [V2.3.2]', () => {
    const capped = policy({
      name: 'capped',
      action: 'APPROVE',
      match: { assets: ['ETH'] },
      caps: { perTransactionMax: '5', window: { seconds: 86_400, maxSum: '10.000000000000000001', maxCount: 3 } },
    });
    const used = (sum: string, count: number) => () => ({ sum: parseDecimal(sum)!, count });
    expect(decide(capped, facts({ amount: parseDecimal('5.000000000000000001')! }), unused)).toMatchObject({
      action: 'REJECT',
      reason: 'cap_per_transaction',
    });
    expect(decide(capped, facts({ amount: parseDecimal('5')! }), used('5.000000000000000001', 1))).toEqual({
      action: 'APPROVE',
      rule: 0,
      ruleName: 'capped',
      reason: 'rule_approved',
      reservation: { rule: 0, asset: 'ETH', amount: parseDecimal('5'), windowSeconds: 86_400 },
    });
    expect(decide(capped, facts({ amount: parseDecimal('5')! }), used('5.000000000000000002', 1))).toMatchObject({
      action: 'REJECT',
      reason: 'cap_window_sum',
    });
    expect(decide(capped, facts({ amount: parseDecimal('0.1')! }), used('0', 3))).toMatchObject({
      action: 'REJECT',
      reason: 'cap_window_count',
    });
    expect(decide(capped, facts({ amount: undefined }), unused)).toMatchObject({ action: 'REJECT', reason: 'missing_field:amount' });
  });

  it('asks for the window usage of the deciding rule and asset only', () => {
    const asked: [number, string][] = [];
    const rules = policy(
      { name: 'btc', action: 'APPROVE', match: { assets: ['BTC'] }, caps: { window: { seconds: 60, maxCount: 1 } } },
      { name: 'eth', action: 'APPROVE', match: { assets: ['ETH'] }, caps: { window: { seconds: 60, maxCount: 1 } } },
    );
    decide(rules, facts(), (rule, asset) => {
      asked.push([rule, asset]);
      return unused();
    });
    expect(asked).toEqual([[1, 'ETH']]);
  });
});
