import type { Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import type { AccessPolicy } from './access-policy';

/**
 * Turns a request into a principal for one kind of policy, or throws the uniform 401
 * (`unauthenticated()`) for missing or bad credentials. It only says who is calling:
 * roles and scopes are checked by the AccessGuard, once, for every authenticator.
 */
export interface Authenticator<P extends AccessPolicy = AccessPolicy> {
  authenticate(request: FastifyRequest, policy: P): Promise<Principal>;
}

export const ADMIN_AUTHENTICATOR = Symbol('ADMIN_AUTHENTICATOR');
export const API_KEY_AUTHENTICATOR = Symbol('API_KEY_AUTHENTICATOR');
export const PROVIDER_AUTHENTICATOR = Symbol('PROVIDER_AUTHENTICATOR');
