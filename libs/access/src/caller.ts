import { Problem } from '@ringfence/problems';
import type { Principal, RequestContext } from '@ringfence/tenancy';
import { AccessProblems } from './access.problems';

/** The one 401 every authentication failure answers; the real reason goes to the audit log. */
export function unauthenticated(): Problem {
  return AccessProblems.UNAUTHENTICATED();
}

/**
 * The caller as the route's policy admitted it: a handler behind `@AdminRoles`/`@AnyAdmin`
 * asks for 'admin', one behind `@Scopes` for 'api_key'. Anything else is the uniform 401.
 */
export function callerOf<K extends Principal['kind']>(context: RequestContext, kind: K): Extract<Principal, { kind: K }> {
  const principal = context.principal;
  if (principal.kind !== kind) throw unauthenticated();
  return principal as Extract<Principal, { kind: K }>;
}
