import type { Principal } from '@ringfence/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessPolicy } from './access-policy';

/**
 * Turns a request into a principal for one kind of policy, or throws the uniform 401
 * (`unauthenticated()`) for missing or bad credentials. It only says who is calling:
 * roles and scopes are checked by the AccessGate, once, for every authenticator.
 */
export interface Authenticator<P extends AccessPolicy = AccessPolicy> {
  /**
   * Whether the request carries this authenticator's kind of credential, read without
   * verifying it. A route open to two kinds of caller asks before choosing.
   */
  recognises(request: FastifyRequest): boolean;
  /** A principal known at once (a cached credential) may come back without a promise. */
  authenticate(request: FastifyRequest, policy: P): Principal | Promise<Principal>;
}

/**
 * Counts a key's request that the gate refuses (missing scope) against the key's limits
 * first: the per-key limit runs after the gate for admitted requests, so without this a
 * key over its limit could keep costing a refusal and its audit row at the address's rate.
 */
export interface RefusedRequestLimit {
  /** Throws the 429 once the caller's limit is spent (the caller is the request context's principal). */
  charge(reply: FastifyReply): boolean | Promise<boolean>;
}

export const REFUSED_REQUEST_LIMIT = Symbol('REFUSED_REQUEST_LIMIT');
export const ADMIN_AUTHENTICATOR = Symbol('ADMIN_AUTHENTICATOR');
export const API_KEY_AUTHENTICATOR = Symbol('API_KEY_AUTHENTICATOR');
export const PROVIDER_AUTHENTICATOR = Symbol('PROVIDER_AUTHENTICATOR');
