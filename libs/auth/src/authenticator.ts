import type { Principal } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import type { AccessPolicy } from './access-policy';

/**
 * Turns a request into a principal for one kind of policy, or throws: 401 for missing
 * or bad credentials, 403 for a valid caller without the role or scope.
 */
export interface Authenticator<P extends AccessPolicy = AccessPolicy> {
  authenticate(request: FastifyRequest, policy: P): Promise<Principal>;
}

export const ADMIN_AUTHENTICATOR = Symbol('ADMIN_AUTHENTICATOR');
export const API_KEY_AUTHENTICATOR = Symbol('API_KEY_AUTHENTICATOR');
export const PROVIDER_AUTHENTICATOR = Symbol('PROVIDER_AUTHENTICATOR');
