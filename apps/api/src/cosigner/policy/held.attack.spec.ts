import fc from 'fast-check';
import { noWindowUsage, SAMPLE_EVM_ADDRESS, transferFacts, validatedPolicy } from '../../../../../test/support/cosigner-policy';
import { parseDecimal, ZERO } from './decimal';
import { validatePolicy } from './policy-document';
import { decide, WindowUsage } from './policy-engine';
import { readSignRequest } from '../protocol/sign-request';

const unused = noWindowUsage;
const documentOf = validatedPolicy;
const EVM = SAMPLE_EVM_ADDRESS;
const facts = transferFacts;

describe('attacks on the policy that held (pinned)', () => {
  it('reads amounts only as plain decimals: no sign, exponent, spaces, other digits, separators or numbers [V1.4.2]', () => {
    for (const text of [
      '+1',
      '-1',
      '1e3',
      ' 1',
      '1 ',
      '1\n',
      '01',
      '.5',
      '5.',
      '0x10',
      '1_000',
      '1,000',
      '١',
      '１',
      'Infinity',
      'NaN',
      '',
      '1.2.3',
    ])
      expect({ text, parsed: parseDecimal(text) }).toEqual({ text, parsed: undefined });
    for (const value of [1, 1.5, 10n, null, ['1'], { units: 1n, scale: 0 }]) expect(parseDecimal(value)).toBeUndefined();
    expect(parseDecimal('9'.repeat(1_000_000))).toBeUndefined();
    expect(parseDecimal(`1.${'0'.repeat(1_000_000)}1`)).toBeUndefined();
  });

  it('holds every amount bound and cap to the last unit of 36 decimals [V1.4.2]', () => {
    const tiny = '0.000000000000000000000000000000000001';
    const policy = documentOf([
      {
        name: 'range',
        action: 'APPROVE',
        match: { assets: ['ETH'], amount: { max: '10' } },
        caps: { perTransactionMax: '5', window: { seconds: 60, maxSum: '8', maxCount: 3 } },
      },
    ]);
    const at = (amount: string, used: WindowUsage = unused()) => decide(policy, facts({ amount: parseDecimal(amount)! }), () => used);
    expect(at('10.000000000000000000000000000000000001')).toMatchObject({ action: 'REJECT', reason: 'no_rule_matched' });
    expect(at('5.000000000000000000000000000000000001')).toMatchObject({ action: 'REJECT', reason: 'cap_per_transaction' });
    expect(at('5')).toMatchObject({ action: 'APPROVE' });
    expect(at('5', { sum: parseDecimal('3')!, count: 0 })).toMatchObject({ action: 'APPROVE' });
    expect(at('5', { sum: parseDecimal(`3${tiny.slice(1)}`)!, count: 0 })).toMatchObject({ action: 'REJECT', reason: 'cap_window_sum' });
    expect(at('1', { sum: ZERO, count: 3 })).toMatchObject({ action: 'REJECT', reason: 'cap_window_count' });
    expect(decide(policy, facts({ amount: undefined }), unused)).toMatchObject({ action: 'REJECT', reason: 'missing_field:amount' });
  });

  it('compares EVM addresses case-insensitively and nothing else loosely (lookalikes, 0X, spaces, lengths)', () => {
    const policy = documentOf([{ name: 'listed', action: 'APPROVE', match: { destinations: [EVM, 'bc1qlisted'] } }]);
    const to = (address: string) => decide(policy, facts({ destinations: [{ address }] }), unused).action;
    expect(to(EVM.toLowerCase())).toBe('APPROVE');
    expect(to(EVM.toUpperCase().replace('0X', '0x'))).toBe('APPROVE');
    for (const address of [
      EVM.replace('0x', '0X'),
      `${EVM} `,
      `${EVM}\n`,
      `${EVM}0`,
      EVM.slice(0, -1),
      EVM.replace('E', '\u0415'), // Cyrillic Е
      EVM.replace('0x', '\uff10\uff58'), // fullwidth 0x
      `\u200b${EVM}`,
      'BC1QLISTED',
      'bc1qlisted\u0000',
      '__proto__',
      'constructor',
    ])
      expect({ address, action: to(address) }).toEqual({ address, action: 'REJECT' });
  });

  it('compares assets, operations and source types exactly (case, zero-width, prototype names)', () => {
    const policy = documentOf([
      {
        name: 'eth',
        action: 'APPROVE',
        match: { assets: ['ETH'], operations: ['TRANSFER'], sources: [{ type: 'VAULT_ACCOUNT', id: '0' }] },
      },
    ]);
    for (const overrides of [
      { asset: 'eth' },
      { asset: 'ETH\u200b' },
      { asset: 'constructor' },
      { asset: '__proto__' },
      { operation: 'transfer' },
      { operation: 'TRANSFER ' },
      { source: { type: 'vault_account', id: '0' } },
      { source: { type: 'VAULT_ACCOUNT', id: '00' } },
      { source: { type: 'VAULT_ACCOUNT', id: ' 0' } },
    ])
      expect(decide(policy, facts(overrides), unused).action).toBe('REJECT');
    expect(decide(policy, facts(), unused).action).toBe('APPROVE');
  });

  it('keeps the time of day to its span: from included, to excluded, wrapping past midnight, an invalid date never inside', () => {
    const policy = documentOf([
      { name: 'office', action: 'APPROVE', match: { assets: ['ETH'], timeOfDay: { from: '08:00', to: '18:00' } } },
      { name: 'night', action: 'APPROVE', match: { assets: ['BTC'], timeOfDay: { from: '22:00', to: '06:00' } } },
    ]);
    const at = (asset: string, time: string) => decide(policy, facts({ asset, at: new Date(`2026-11-29T${time}Z`) }), unused).action;
    expect([at('ETH', '08:00:00'), at('ETH', '17:59:59.999'), at('ETH', '18:00:00'), at('ETH', '07:59:59.999')]).toEqual([
      'APPROVE',
      'APPROVE',
      'REJECT',
      'REJECT',
    ]);
    expect([at('BTC', '22:00:00'), at('BTC', '05:59:59'), at('BTC', '06:00:00'), at('BTC', '12:00:00')]).toEqual([
      'APPROVE',
      'APPROVE',
      'REJECT',
      'REJECT',
    ]);
    for (const asset of ['ETH', 'BTC']) expect(decide(policy, facts({ asset, at: new Date('nonsense') }), unused).action).toBe('REJECT');
  });

  it('refuses documents with prototype keys, numbers for strings, strings for numbers and near-miss values, never throwing', () => {
    const refused = (document: unknown) => expect(validatePolicy(document).errors?.length).toBeGreaterThan(0);
    refused(JSON.parse('{"rules":[],"__proto__":{"rules":[]}}'));
    refused(JSON.parse('{"rules":[{"name":"a","action":"APPROVE","match":{"__proto__":{"assets":["ETH"]}}}]}'));
    refused(JSON.parse('{"rules":[{"name":"a","action":"APPROVE","match":{},"constructor":{}}]}'));
    refused(JSON.parse('{"rules":[{"name":"a","action":"APPROVE","match":{},"caps":{"__proto__":{"perTransactionMax":"1"}}}]}'));
    const rule = (patch: object) => ({ rules: [{ name: 'a', action: 'APPROVE', match: {}, ...patch }] });
    for (const patch of [
      { action: 'approve' },
      { action: 'APPROVE ' },
      { match: { amount: { max: 10 } } },
      { match: { amount: { max: '1e3' } } },
      { match: { amount: { min: '-1' } } },
      { match: { assets: 'ETH' } },
      { match: { assets: [] } },
      { match: { assets: [''] } },
      { match: { destinations: [1] } },
      { match: { timeOfDay: { from: '24:00', to: '06:00' } } },
      { match: { timeOfDay: { from: '8:00', to: '18:00' } } },
      { match: { timeOfDay: { from: '08:00', to: '18:00\n' } } },
      { match: { sources: [{ id: '0' }] } },
      { caps: { perTransactionMax: 5 } },
      { caps: { window: { seconds: '60', maxCount: 1 } } },
      { caps: { window: { seconds: 60, maxCount: '1' } } },
      { caps: { window: { seconds: 60, maxCount: 0 } } },
      { caps: { window: { seconds: 60, maxCount: 1.5 } } },
      { caps: { window: { seconds: 59, maxCount: 1 } } },
      { caps: { window: { seconds: 60 } } },
      { match: null },
      { name: 'x'.repeat(201) },
    ])
      expect({ patch, refused: (validatePolicy(rule(patch)).errors?.length ?? 0) > 0 }).toEqual({ patch, refused: true });
    expect(validatePolicy({ rules: [{ name: 'r', action: 'REJECT', match: {}, caps: {} }] }).errors).toEqual([
      { path: 'rules[0].caps', message: 'a REJECT rule has nothing to cap' },
    ]);
  });

  it('never approves a request whose destinations a REJECT rule names, whatever else it carries (property)', () => {
    const policy = documentOf([
      { name: 'deny', action: 'REJECT', match: { destinations: ['0xbad'] } },
      { name: 'deny type', action: 'REJECT', match: { destinationTypes: ['ONE_TIME_ADDRESS'] } },
      { name: 'rest', action: 'APPROVE', match: {} },
    ]);
    const destination = fc.record(
      {
        dstType: fc.constantFrom('ONE_TIME_ADDRESS', 'EXTERNAL_WALLET', 'VAULT_ACCOUNT'),
        dstAddress: fc.constantFrom('0xbad', '0xgood', '0xok'),
        dstId: fc.constantFrom('w1', 'w2'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(destination, { maxLength: 6 }), (destinations) => {
        const request = readSignRequest({ requestId: 'r', destinations }, new Date());
        if (decide(policy, request.facts, unused).action === 'APPROVE') {
          expect(request.facts.destinations.length).toBeGreaterThan(0);
          for (const d of request.facts.destinations) {
            expect(d.address).not.toBe('0xbad');
            expect(d.type).not.toBe('ONE_TIME_ADDRESS');
            expect(d.type).toBeDefined();
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
