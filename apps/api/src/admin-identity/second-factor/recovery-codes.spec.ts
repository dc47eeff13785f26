import crypto from 'node:crypto';
import { generateRecoveryCodes, RECOVERY_CODE_COUNT, recoveryCodeHash } from './recovery-codes';

const CROCKFORD = '[0-9A-HJKMNP-TV-Z]';

describe('recovery codes', () => {
  afterEach(() => jest.restoreAllMocks());

  it('draws each code from 15 bytes of the CSPRNG: 120 bits as 24 Crockford characters, ten distinct codes [V6.5.2 V6.5.3 V6.5.4]', () => {
    const draws = jest.spyOn(crypto, 'randomBytes');
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(new RegExp(`^${CROCKFORD}{4}(-${CROCKFORD}{4}){5}$`));
    // Every code is the encoding of its own 15 random bytes (8 × 15 = 120 bits = 24 × 5).
    expect(draws.mock.calls.map(([size]) => size)).toEqual(Array<number>(RECOVERY_CODE_COUNT).fill(15));
    jest.restoreAllMocks();
    const fixed = jest.spyOn(crypto, 'randomBytes').mockImplementation(() => Buffer.alloc(15));
    expect(generateRecoveryCodes()).toEqual(Array<string>(RECOVERY_CODE_COUNT).fill('0000-0000-0000-0000-0000-0000'));
    expect(fixed).toHaveBeenCalledTimes(RECOVERY_CODE_COUNT);
  });

  it('stores a SHA-256 of the code, which its lenient spellings share and another code does not [V6.5.2]', () => {
    const [code, other] = generateRecoveryCodes() as [string, string];
    const hash = recoveryCodeHash(code);
    expect(hash).toHaveLength(32);
    expect(hash).toEqual(
      crypto
        .createHash('sha256')
        .update(`ringfence.recovery-code:${code.replace(/-/g, '')}`)
        .digest(),
    );
    expect(recoveryCodeHash(code.toLowerCase().replace(/-/g, ' '))).toEqual(hash);
    expect(recoveryCodeHash(other)).not.toEqual(hash);
  });
});
