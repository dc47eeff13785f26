import fc from 'fast-check';
import { validatePolicy } from './policy-document';

const errorsOf = (input: unknown) => {
  const result = validatePolicy(input);
  return result.errors ?? [];
};

describe('policy documents, validated on write', () => {
  it('accepts a document using every condition and cap', () => {
    const result = validatePolicy({
      rules: [
        {
          name: 'treasury to exchanges, office hours',
          action: 'APPROVE',
          match: {
            operations: ['TRANSFER'],
            assets: ['ETH', 'USDC'],
            amount: { min: '0.01', max: '250' },
            sources: [{ type: 'VAULT_ACCOUNT', id: '0' }],
            destinationTypes: ['ONE_TIME_ADDRESS', 'EXTERNAL_WALLET'],
            destinations: ['0x52908400098527886E0F7030069857D2E4169EE7', 'wallet-7'],
            timeOfDay: { from: '08:00', to: '18:00' },
          },
          caps: { perTransactionMax: '100', window: { seconds: 86_400, maxSum: '1000', maxCount: 20 } },
        },
        { name: 'everything else', action: 'REJECT', match: {} },
      ],
    });
    expect(result.errors).toBeUndefined();
  });

  it('names the path of every unknown field, at every level', () => {
    expect(
      errorsOf({
        rules: [
          {
            name: 'a',
            action: 'APPROVE',
            match: { asset: ['ETH'], amount: { maximum: '1' } },
            caps: { window: { seconds: 60, maxCount: 1, sum: '1' } },
            extra: 1,
          },
        ],
        version: 2,
      }).map((error) => error.path),
    ).toEqual(['rules[0].match.asset', 'rules[0].match.amount.maximum', 'rules[0].caps.window.sum', 'rules[0].extra', 'version']);
  });

  it('refuses amounts that are not plain decimals, and bounds that admit nothing [V2.2.3]', () => {
    const errors = errorsOf({
      rules: [
        { name: 'a', action: 'APPROVE', match: { amount: { min: '1e3' } }, caps: { perTransactionMax: 100 } },
        { name: 'b', action: 'APPROVE', match: { amount: { min: '5', max: '4.99' } } },
        { name: 'c', action: 'APPROVE', match: { amount: { max: '-1' } } },
      ],
    });
    expect(errors.map((error) => error.path)).toEqual([
      'rules[0].match.amount.min',
      'rules[0].caps.perTransactionMax',
      'rules[1].match.amount',
      'rules[2].match.amount.max',
    ]);
  });

  it('refuses caps on a REJECT rule, an uncapped window, empty lists, bad times and duplicate names [V2.2.3]', () => {
    const errors = errorsOf({
      rules: [
        { name: 'a', action: 'REJECT', match: { assets: [] }, caps: { perTransactionMax: '1' } },
        { name: 'a', action: 'APPROVE', match: { timeOfDay: { from: '24:00', to: '08:00' } }, caps: { window: { seconds: 30 } } },
        { name: 'b', action: 'MAYBE', match: { timeOfDay: { from: '08:00', to: '08:00' } } },
      ],
    });
    expect(errors.map((error) => error.path)).toEqual([
      'rules[0].match.assets',
      'rules[0].caps',
      'rules[1].name',
      'rules[1].match.timeOfDay.from',
      'rules[1].caps.window.seconds',
      'rules[1].caps.window',
      'rules[2].action',
      'rules[2].match.timeOfDay',
    ]);
  });

  it('refuses rules an earlier rule shadows, and keeps those it does not [V2.2.3]', () => {
    const shadowed = errorsOf({
      rules: [
        { name: 'small ETH', action: 'APPROVE', match: { assets: ['ETH', 'BTC'], amount: { max: '10' } } },
        { name: 'tiny ETH', action: 'REJECT', match: { assets: ['ETH'], amount: { min: '0.5', max: '1' } } },
        { name: 'all', action: 'REJECT', match: {} },
        { name: 'after all', action: 'APPROVE', match: { operations: ['MINT'] } },
      ],
    });
    expect(shadowed).toEqual([
      { path: 'rules[1]', message: 'unreachable: rule 0 ("small ETH") matches every request this one matches' },
      { path: 'rules[3]', message: 'unreachable: rule 2 ("all") matches every request this one matches' },
    ]);
    // A narrower earlier rule, an address in another case, a source of a given id: still reachable.
    expect(
      errorsOf({
        rules: [
          { name: 'one source', action: 'APPROVE', match: { sources: [{ type: 'VAULT_ACCOUNT', id: '1' }] } },
          { name: 'any vault', action: 'REJECT', match: { sources: [{ type: 'VAULT_ACCOUNT' }] } },
          { name: 'small', action: 'APPROVE', match: { amount: { max: '10' } } },
          { name: 'any amount', action: 'REJECT', match: { amount: { min: '0' } } },
        ],
      }),
    ).toEqual([]);
    expect(
      errorsOf({
        rules: [
          { name: 'lower', action: 'APPROVE', match: { destinations: ['0xabcdefabcdefabcdefabcdefabcdefabcdefabcd'] } },
          // (APPROVE: a later REJECT rule on destinations catches requests mixing them with others, so it stays reachable.)
          { name: 'upper', action: 'APPROVE', match: { destinations: ['0xABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD'] } },
        ],
      }).map((error) => error.path),
    ).toEqual(['rules[1]']);
  });

  it('refuses what is not a document', () => {
    for (const input of [null, [], 'rules', { rules: {} }, {}]) expect(errorsOf(input).length).toBeGreaterThan(0);
    expect(
      errorsOf({ rules: Array.from({ length: 201 }, (_, i) => ({ name: `r${i}`, action: 'REJECT', match: { assets: [`A${i}`] } })) }),
    ).toEqual([{ path: 'rules', message: 'at most 200 rules' }]);
  });

  it('answers with errors, never throws, whatever JSON arrives (property)', () => {
    const field = fc.constantFrom(
      'assets',
      'amount',
      'operations',
      'timeOfDay',
      'sources',
      'destinations',
      'destinationTypes',
      'min',
      'max',
    );
    const near = fc.record({
      rules: fc.array(
        fc.record(
          {
            name: fc.oneof(fc.string(), fc.jsonValue()),
            action: fc.constantFrom('APPROVE', 'REJECT', 'MAYBE'),
            match: fc.oneof(fc.dictionary(field, fc.jsonValue()), fc.jsonValue()),
            caps: fc.oneof(
              fc.record({
                perTransactionMax: fc.jsonValue(),
                window: fc.dictionary(fc.constantFrom('seconds', 'maxSum', 'maxCount'), fc.jsonValue()),
              }),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: ['name', 'action'] },
        ),
        { maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), near), (input) => {
        const result = validatePolicy(input);
        expect(result.errors === undefined ? result.document : result.errors.length).toBeTruthy();
      }),
      { numRuns: 500 },
    );
  });
});
