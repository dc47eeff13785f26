import crypto from 'node:crypto';
import { isOpaqueToken, newOpaqueToken, opaqueTokenHash } from './opaque-token';

describe('opaque tokens (refresh tokens, MFA challenges, reset and CSRF tokens)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('are 256 bits from the CSPRNG, base64url, unique, and stored only as their SHA-256 [V7.2.3]', () => {
    const draws = jest.spyOn(crypto, 'randomBytes');
    const tokens = Array.from({ length: 1000 }, () => newOpaqueToken());
    expect(draws.mock.calls.map(([size]) => size)).toEqual(Array<number>(1000).fill(32));
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(1000);
    for (const { token, hash } of tokens) {
      expect(isOpaqueToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(hash).toEqual(crypto.createHash('sha256').update(token).digest());
      expect(hash.toString('base64url')).not.toBe(token);
    }
    jest.restoreAllMocks();
    jest.spyOn(crypto, 'randomBytes').mockImplementation(() => Buffer.alloc(32, 7));
    expect(newOpaqueToken().token).toBe(Buffer.alloc(32, 7).toString('base64url'));
    expect(opaqueTokenHash('x')).toHaveLength(32);
  });
});
