import fc from 'fast-check';
import { decodeCrockford, encodeCrockford } from './crockford-base32';
import { constantTimeEqual, hmacSha256 } from './mac';
import { randomToken } from './random-token';

describe('hmacSha256', () => {
  it('matches RFC 4231 test case 2', () => {
    const mac = hmacSha256(Buffer.from('Jefe'), 'what do ya want for nothing?');
    expect(mac.toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('constantTimeEqual', () => {
  it('is true only for equal inputs, whatever their lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
  });
});

describe('Crockford base32', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeCrockford(encodeCrockford(bytes));
        return Buffer.from(bytes).equals(decoded.subarray(0, bytes.length));
      }),
    );
  });

  it('reads the aliases O, I, L and lower case, and refuses U', () => {
    expect(decodeCrockford('o1l').equals(decodeCrockford('011'))).toBe(true);
    expect(() => decodeCrockford('U0')).toThrow('not Crockford base32');
  });
});

describe('randomToken', () => {
  it('draws at least 128 bits and never repeats', () => {
    expect(() => randomToken(8)).toThrow(RangeError);
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken(16)));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});
