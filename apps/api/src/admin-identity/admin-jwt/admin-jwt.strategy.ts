import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Principal } from '@ringfence/tenancy';
import { isUUID } from 'class-validator';
import { decode } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions } from '../admin-identity.options';
import { AdminSessions } from '../sessions/admin-sessions';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, AccessTokenClaims } from '../tokens/access-tokens';
import { SigningKeys } from '../tokens/signing-keys';

export const ADMIN_JWT_STRATEGY = 'admin-jwt';

/** How far ahead of our clock a token's `iat` may be (another instance's clock). */
export const ISSUED_AT_SKEW_SECONDS = 30;

/** A token that passed verification: who it names, until when, and the live session's principal. */
export interface VerifiedAccessToken {
  principal: Principal;
  subject: string;
  sessionId: string;
  expiresAt: number;
}

/**
 * Verifies an admin access token (passport-jwt over jsonwebtoken): the algorithm is
 * pinned to ES256, the key is chosen by `kid` among our own verification keys only, and
 * `typ`, `iss`, `aud`, `exp`, `nbf`, `iat`, `jti`, `sub` and `sid` must all be present
 * and right. A `crit` header is refused (RFC 7515 §4.1.11: we understand no extension), so
 * is an `iat` in the future beyond a small skew and a lifetime (`exp - iat`) longer than
 * the one we issue: a token we did not mint as we mint them is not ours. Then the session is read: the token proves the session, the database says
 * whether it is still live and what the admin may do.
 */
@Injectable()
export class AdminJwtStrategy extends PassportStrategy(Strategy, ADMIN_JWT_STRATEGY) {
  constructor(
    keys: SigningKeys,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
    private readonly sessions: AdminSessions,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: options.issuer,
      audience: options.audience,
      ignoreExpiration: false,
      secretOrKeyProvider: (_request: unknown, rawJwtToken: string, done: (error: Error | null, key?: string | Buffer) => void) => {
        const header = decode(rawJwtToken, { complete: true })?.header;
        const key =
          header && header.typ === ACCESS_TOKEN_TYPE && header.alg === ACCESS_TOKEN_ALGORITHM && header.kid && !('crit' in header)
            ? keys.verificationKey(header.kid)
            : undefined;
        // passport-jwt's typings say string | Buffer; jsonwebtoken takes the KeyObject as is.
        if (key) done(null, key.publicKey as unknown as Buffer);
        else done(new Error('no verification key for this token'));
      },
    });
  }

  async validate(payload: Partial<AccessTokenClaims>): Promise<VerifiedAccessToken | false> {
    const { sub, sid, jti, iat, nbf, exp } = payload;
    if (
      typeof sub !== 'string' ||
      !isUUID(sub) ||
      typeof sid !== 'string' ||
      !isUUID(sid) ||
      typeof jti !== 'string' ||
      typeof iat !== 'number' ||
      typeof nbf !== 'number' ||
      typeof exp !== 'number' ||
      iat > Math.floor(Date.now() / 1000) + ISSUED_AT_SKEW_SECONDS ||
      exp <= iat ||
      exp - iat > this.options.accessTokenTtlSeconds
    ) {
      return false;
    }
    const principal = await this.sessions.principalFor(sid, sub);
    return principal ? { principal, subject: sub, sessionId: sid, expiresAt: exp * 1000 } : false;
  }
}
