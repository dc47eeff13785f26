import fc from 'fast-check';
import { addDecimals, compareDecimals, formatDecimal, MAX_SCALE, parseDecimal, subtractDecimals } from './decimal';

/** An amount as text, with up to 30 whole and 18 fractional digits (an 18-decimal asset at any supply). */
const amountText = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.integer({ min: 0, max: 18 }))
  .map(([whole, fraction, scale]) =>
    scale === 0 ? whole.toString() : `${whole}.${(fraction % 10n ** BigInt(scale)).toString().padStart(scale, '0')}`,
  );

/** The same amount as an exact rational: units scaled to 10^-18. */
const atto = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole!) * 10n ** 18n + BigInt(fraction.padEnd(18, '0'));
};

describe('exact decimal amounts', () => {
  it('reads plain decimals only', () => {
    for (const good of ['0', '1', '10', '0.5', '1.000000000000000001', '123456789012345678901234567890.123456789012345678']) {
      expect(parseDecimal(good)).toBeDefined();
    }
    for (const bad of [
      '',
      '-1',
      '+1',
      '01',
      '1.',
      '.5',
      '1e3',
      ' 1',
      '1 ',
      '0x10',
      'NaN',
      'Infinity',
      '1,5',
      '１',
      `0.${'1'.repeat(MAX_SCALE + 1)}`,
      5,
      null,
    ]) {
      expect(parseDecimal(bad)).toBeUndefined();
    }
    expect(parseDecimal('9'.repeat(100))).toBeUndefined();
  });

  it('keeps every digit: an 18-decimal asset is never rounded [V1.4.2]', () => {
    const one = parseDecimal('1000000000.000000000000000001')!;
    const tiny = parseDecimal('0.000000000000000001')!;
    expect(formatDecimal(addDecimals(one, tiny))).toBe('1000000000.000000000000000002');
    expect(compareDecimals(addDecimals(parseDecimal('0.1')!, parseDecimal('0.2')!), parseDecimal('0.3')!)).toBe(0);
    expect(formatDecimal(parseDecimal('1.50')!)).toBe('1.5');
  });

  it('compares, adds and subtracts as exact rationals do (property)', () => {
    fc.assert(
      fc.property(amountText, amountText, (a, b) => {
        const [x, y] = [parseDecimal(a)!, parseDecimal(b)!];
        const expected = atto(a) < atto(b) ? -1 : atto(a) > atto(b) ? 1 : 0;
        expect(compareDecimals(x, y)).toBe(expected);
        expect(atto(formatDecimal(addDecimals(x, y)))).toBe(atto(a) + atto(b));
        const difference = atto(a) - atto(b);
        expect(atto(formatDecimal(subtractDecimals(x, y)))).toBe(difference > 0n ? difference : 0n);
      }),
    );
  });

  it('formats what it reads back to the same amount (property)', () => {
    fc.assert(
      fc.property(amountText, (text) => {
        const value = parseDecimal(text)!;
        expect(compareDecimals(parseDecimal(formatDecimal(value))!, value)).toBe(0);
      }),
    );
  });
});
