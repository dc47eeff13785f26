import crypto from 'node:crypto';
import { generateSync } from 'otplib';
import { Totp } from './totp';

// RFC 6238 appendix B, SHA-1 column: the 20-byte ASCII seed, 8 digits.
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('Totp', () => {
  const totp = new Totp();

  it.each(RFC_VECTORS)('matches RFC 6238 SHA-1 at T=%d through the same otplib setup', (time, expected) => {
    expect(generateSync({ secret: RFC_SEED, epoch: time, period: 30, digits: 8, algorithm: 'sha1' })).toBe(expected);
  });

  it('accepts the current code and one step of drift either way, and nothing further', () => {
    const secret = Buffer.alloc(20, 7);
    const now = 1_700_000_015_000; // mid-step
    for (const [offset, accepted] of [
      [0, true],
      [-30, true],
      [30, true],
      [-60, false],
      [60, false],
    ] as const) {
      const code = totp.generate(secret, now + offset * 1000);
      expect(totp.verify(secret, code, null, now) !== null).toBe(accepted);
    }
  });

  it('refuses a code whose step was already accepted (replay), and any earlier step [V6.5.1]', () => {
    const secret = Buffer.alloc(20, 9);
    const now = 1_700_000_015_000;
    const code = totp.generate(secret, now);
    const step = totp.verify(secret, code, null, now);
    expect(step).toBe(Math.floor(now / 1000 / 30));
    expect(totp.verify(secret, code, step, now)).toBeNull();
    expect(totp.verify(secret, totp.generate(secret, now - 30_000), step, now)).toBeNull();
    expect(totp.verify(secret, totp.generate(secret, now + 30_000), step, now)).toBe(step! + 1);
  });

  it('refuses malformed codes without computing anything', () => {
    const secret = Buffer.alloc(20, 1);
    for (const code of ['', '12345', '1234567', '12 456', 'abcdef', '１２３４５６']) {
      expect(totp.verify(secret, code, null)).toBeNull();
    }
  });

  it('draws the 160-bit secret from the CSPRNG [V6.5.3]', async () => {
    const draws = jest.spyOn(crypto, 'randomBytes').mockImplementation(() => Buffer.alloc(20, 5));
    try {
      const enrolment = await totp.enrol('owner@example.com');
      expect(draws).toHaveBeenCalledWith(20);
      expect(Buffer.from(enrolment.secret)).toEqual(Buffer.alloc(20, 5));
    } finally {
      draws.mockRestore();
    }
  });

  it('enrols with a 160-bit secret, an otpauth URI and a QR code', async () => {
    const enrolment = await totp.enrol('owner@example.com');
    expect(enrolment.secret).toHaveLength(20);
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Ringfence:owner%40example\.com\?/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secretBase32}`);
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
  });
});
