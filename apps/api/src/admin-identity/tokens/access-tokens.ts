import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions } from '../admin-identity.options';
import { SigningKeys } from './signing-keys';

/** `typ` of our access tokens (RFC 9068): a refresh token or an ID token is never one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHM = 'ES256';

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
}

/** Signs short-lived admin access tokens (@nestjs/jwt, ES256, pre-imported KeyObject). */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: SigningKeys,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
  ) {}

  issue(subject: { adminId: string; sessionId: string }): IssuedAccessToken {
    const expiresIn = this.options.accessTokenTtlSeconds;
    const token = this.jwt.sign(
      { sid: subject.sessionId },
      {
        privateKey: this.keys.activePrivateKey,
        algorithm: ACCESS_TOKEN_ALGORITHM,
        keyid: this.keys.activeKid,
        header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
        issuer: this.options.issuer,
        audience: this.options.audience,
        subject: subject.adminId,
        jwtid: randomUUID(),
        notBefore: 0,
        expiresIn,
      },
    );
    return { token, expiresIn };
  }
}
