import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { generateSync, generateURI, ScureBase32Plugin, verifySync } from 'otplib';
import * as QRCode from 'qrcode';

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** At most one step of clock drift either way. */
export const TOTP_DRIFT_STEPS = 1;
const SECRET_BYTES = 20;
const ISSUER = 'Ringfence';

const base32 = new ScureBase32Plugin();

export interface TotpEnrolment {
  /** Raw secret bytes: what is sealed and stored. */
  secret: Buffer;
  /** The same secret in RFC 4648 base32, for manual entry. */
  secretBase32: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

/** TOTP codes for admins (otplib), with replay refused through the last accepted step. */
@Injectable()
export class Totp {
  async enrol(label: string): Promise<TotpEnrolment> {
    const secret = randomBytes(SECRET_BYTES);
    const secretBase32 = base32.encode(secret).replace(/=+$/, '');
    const otpauthUri = generateURI({ issuer: ISSUER, label, secret: secretBase32, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
    const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M' });
    return { secret, secretBase32, otpauthUri, qrCodeDataUrl };
  }

  /**
   * The time step `code` belongs to, if it is valid now (± one step) and later than
   * `lastAcceptedStep`; otherwise null. The caller stores the step it accepts.
   */
  verify(secret: Uint8Array, code: string, lastAcceptedStep: number | null, now = Date.now()): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const result = verifySync({
      secret,
      token: code,
      epoch: Math.floor(now / 1000),
      period: TOTP_PERIOD_SECONDS,
      digits: TOTP_DIGITS,
      algorithm: 'sha1',
      epochTolerance: TOTP_DRIFT_STEPS * TOTP_PERIOD_SECONDS,
      ...(lastAcceptedStep !== null ? { afterTimeStep: lastAcceptedStep } : {}),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }

  /** The current code (tests and the development console only). */
  generate(secret: Uint8Array, now = Date.now()): string {
    return generateSync({ secret, epoch: Math.floor(now / 1000), period: TOTP_PERIOD_SECONDS, digits: TOTP_DIGITS, algorithm: 'sha1' });
  }
}
