import { Injectable } from '@nestjs/common';
import { Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { unauthenticated } from '../access.guard';
import { Authenticator } from '../authenticator';
import { AdminJwtStrategy } from './admin-jwt.strategy';

/**
 * The admin authenticator the AccessGuard calls: runs the admin JWT passport strategy
 * on the request. Every verification failure is the uniform 401; a failure of ours
 * (the database is down) is not dressed up as one.
 */
@Injectable()
export class AdminJwtAuthenticator implements Authenticator {
  constructor(private readonly strategy: AdminJwtStrategy) {}

  authenticate(request: FastifyRequest): Promise<Principal> {
    return new Promise<Principal>((resolve, reject) => {
      const settle = (error: unknown, principal: Principal | false | undefined): void => {
        // A bad token is a `fail` (no principal); `error` is ours, e.g. the database is down.
        if (error) reject(error instanceof Error ? error : new Error('admin authentication failed'));
        else if (!principal) reject(unauthenticated());
        else resolve(principal);
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
