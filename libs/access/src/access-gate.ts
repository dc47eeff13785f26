import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SecurityEvents } from '@ringfence/audit';
import { Principal, RequestContext } from '@ringfence/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessPolicy, routeAccessOf, STEP_UP_WINDOW_MS } from './access-policy';
import { AccessProblems } from './access.problems';
import {
  ADMIN_AUTHENTICATOR,
  API_KEY_AUTHENTICATOR,
  Authenticator,
  PROVIDER_AUTHENTICATOR,
  REFUSED_REQUEST_LIMIT,
  RefusedRequestLimit,
} from './authenticator';
import { unauthenticated } from './caller';

/**
 * The one place roles and scopes are checked, whatever authenticated the caller: a
 * principal of the wrong kind is a 401, a valid caller without the role or every scope
 * a 403. A key with an empty scope list is a legacy wildcard.
 */
export function authorize(
  policy: Exclude<AccessPolicy, { kind: 'public' }>,
  principal: Principal,
  options: { stepUp?: boolean; now?: number } = {},
): void {
  switch (policy.kind) {
    case 'admin':
      if (principal.kind !== 'admin') throw unauthenticated();
      if (principal.stage === 'setup' && !policy.duringSetup) throw AccessProblems.ACCOUNT_SETUP_REQUIRED();
      if (!policy.roles.includes(principal.role)) throw AccessProblems.INSUFFICIENT_ROLE();
      if (
        options.stepUp &&
        (principal.secondFactorAt === null || (options.now ?? Date.now()) - principal.secondFactorAt > STEP_UP_WINDOW_MS)
      ) {
        throw AccessProblems.STEP_UP_REQUIRED();
      }
      return;
    case 'api_key':
      if (principal.kind !== 'api_key') throw unauthenticated();
      if (principal.scopes.length > 0 && !policy.scopes.every((scope) => principal.scopes.includes(scope))) {
        throw AccessProblems.INSUFFICIENT_SCOPE({ detail: `This route requires: ${policy.scopes.join(', ')}.` });
      }
      return;
    case 'admin_or_api_key':
      if (principal.kind === 'admin') return authorize({ kind: 'admin', roles: policy.roles }, principal, options);
      return authorize({ kind: 'api_key', scopes: policy.scopes }, principal, options);
    case 'provider':
      if (principal.kind !== 'provider') throw unauthenticated();
      return;
  }
}

/** The refusals of an authenticated caller the gate audits (`auth.authorize`, denied, the code as reason). */
const AUDITED_REFUSALS = [
  AccessProblems.INSUFFICIENT_SCOPE,
  AccessProblems.INSUFFICIENT_ROLE,
  AccessProblems.STEP_UP_REQUIRED,
  AccessProblems.ACCOUNT_SETUP_REQUIRED,
] as const;

/**
 * Deny by default, for every route: the route's declared policy (read from its Fastify
 * route config, where the declaring decorators put it), the authenticator that policy
 * names, then `authorize`. A route that declares nothing is refused and logged; a public
 * route is admitted at once. Not a Nest guard: the HTTP boundary runs it as the route's
 * `preHandler`, with the workspace-origin check and L2 after it, so an admitted request
 * pays no guard chain (docs/adr/0017). A principal known at once (a cached credential) is
 * admitted without a promise.
 */
@Injectable()
export class AccessGate {
  private readonly logger = new Logger(AccessGate.name);

  constructor(
    private readonly context: RequestContext,
    @Optional() @Inject(ADMIN_AUTHENTICATOR) private readonly admin?: Authenticator,
    @Optional() @Inject(API_KEY_AUTHENTICATOR) private readonly apiKey?: Authenticator,
    @Optional() @Inject(PROVIDER_AUTHENTICATOR) private readonly provider?: Authenticator,
    @Optional() private readonly events?: SecurityEvents,
    @Optional() @Inject(REFUSED_REQUEST_LIMIT) private readonly refusedLimit?: RefusedRequestLimit,
  ) {}

  /** Admits the request into its route (its principal set in the request context), or throws the refusal. */
  admit(request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
    const access = routeAccessOf(request.routeOptions.config);
    if (!access) {
      this.logger.error(`route ${request.method} ${request.routeOptions.url ?? ''} declares no access policy`);
      throw AccessProblems.ROUTE_ACCESS_UNDECLARED();
    }
    const { policy, stepUp } = access;
    if (policy.kind === 'public') return;
    const authenticator = this.authenticatorFor(policy, request);
    if (!authenticator) throw unauthenticated();
    const principal = authenticator.authenticate(request, policy);
    if (principal instanceof Promise) return principal.then((known) => this.authorizeInto(policy, stepUp, known, request, reply));
    return this.authorizeInto(policy, stepUp, principal, request, reply);
  }

  private authorizeInto(
    policy: Exclude<AccessPolicy, { kind: 'public' }>,
    stepUp: boolean,
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void | Promise<void> {
    try {
      authorize(policy, principal, { stepUp });
    } catch (error) {
      return this.refuse(error, principal, request, reply);
    }
    this.context.setPrincipal(principal);
  }

  private async refuse(error: unknown, principal: Principal, request: FastifyRequest, reply: FastifyReply): Promise<never> {
    if (principal.kind === 'api_key' && this.refusedLimit) {
      // The refusal is the key's request too: a key over its limit gets the 429, not
      // another refusal (and audit row). The request ends here, admitted to nothing.
      this.context.setPrincipal(principal);
      await this.refusedLimit.charge(reply);
    }
    await this.recordRefusal(error, principal, request);
    throw error;
  }

  /**
   * A valid caller refused for its role, its scope, a stale second factor or an unfinished
   * setup is evidence: written in its own transaction, so it outlives the refused request.
   */
  private async recordRefusal(error: unknown, principal: Principal, request: FastifyRequest): Promise<void> {
    const refusal = AUDITED_REFUSALS.find((problem) => problem.is(error));
    if (!this.events || !refusal) return;
    await this.events.record(
      {
        action: 'auth.authorize',
        outcome: 'denied',
        reason: refusal.code.toLowerCase(),
        target: { type: 'route', id: `${request.method} ${request.routeOptions.url ?? ''}` },
      },
      principal,
    );
  }

  private authenticatorFor(policy: Exclude<AccessPolicy, { kind: 'public' }>, request: FastifyRequest): Authenticator | undefined {
    switch (policy.kind) {
      case 'admin':
        return this.admin;
      case 'api_key':
        return this.apiKey;
      case 'admin_or_api_key':
        return this.apiKey?.recognises(request) ? this.apiKey : this.admin;
      case 'provider':
        return this.provider;
    }
  }
}
