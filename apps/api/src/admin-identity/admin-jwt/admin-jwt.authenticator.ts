import { Injectable } from '@nestjs/common';
import { unauthenticated, Authenticator } from '@ringfence/access';
import { ExpiringMap } from '@ringfence/limits';
import { Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { hash } from 'node:crypto';
import passport from 'passport';
import { AdminSessions } from '../sessions/admin-sessions';
import { AdminJwtStrategy, VerifiedAccessToken } from './admin-jwt.strategy';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/**
 * The admin authenticator the AccessGate calls. A token seen for the first time goes
 * through the admin JWT passport strategy (signature, algorithm, every claim, then the
 * session); a token already verified is recognised by its SHA-256 until its `exp`, so
 * the signature is checked once per token, not once per request (an expired token falls
 * out of the map and through the strategy, which refuses it). The session is checked
 * on every request either way (through the session-state cache).
 */
@Injectable()
export class AdminJwtAuthenticator implements Authenticator {
  private readonly verified = new ExpiringMap<string, { subject: string; sessionId: string }>();

  constructor(
    private readonly strategy: AdminJwtStrategy,
    private readonly sessions: AdminSessions,
  ) {}

  /** A bearer token shaped like a compact JWS (its header is base64url JSON). */
  recognises(request: FastifyRequest): boolean {
    return (request.headers.authorization ?? '').startsWith('Bearer eyJ');
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthenticated();
    const key = hash('sha256', token, 'base64url');
    const known = this.verified.get(key);
    if (known) {
      const principal = await this.sessions.principalFor(known.sessionId, known.subject);
      if (!principal) throw unauthenticated();
      return principal;
    }
    const result = await this.verify(request);
    this.verified.set(key, { subject: result.subject, sessionId: result.sessionId }, result.expiresAt);
    return result.principal;
  }

  private verify(request: FastifyRequest): Promise<VerifiedAccessToken> {
    return new Promise<VerifiedAccessToken>((resolve, reject) => {
      const settle = (error: unknown, verified: VerifiedAccessToken | false | undefined): void => {
        // A bad token is a `fail` (nothing verified); `error` is ours, e.g. the database is down.
        if (error) reject(error instanceof Error ? error : new Error('admin authentication failed'));
        else if (!verified) reject(unauthenticated());
        else resolve(verified);
      };
      // This application's strategy, not passport's process-wide registry by name (two
      // applications in one process keep their own keys), and a fresh object per request:
      // passport sets its success/fail callbacks on the object it is given, so one shared
      // instance would let a concurrent request overwrite another's and leave it hanging.
      const perRequest = Object.create(this.strategy) as AdminJwtStrategy;
      const middleware = passport.authenticate(perRequest, { session: false }, settle) as (
        request: unknown,
        response: unknown,
        next: (error?: unknown) => void,
      ) => void;
      middleware(request, {}, (error?: unknown) => settle(error, false));
    });
  }
}
