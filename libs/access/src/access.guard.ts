import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SecurityEvents } from '@ringfence/audit';
import { Principal, RequestContext } from '@ringfence/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_POLICY, AccessPolicy, STEP_UP, STEP_UP_WINDOW_MS } from './access-policy';
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

/** What a route declares: its access policy (none: refused) and whether it asks for a recent second factor. */
interface RouteDeclaration {
  policy: AccessPolicy | undefined;
  stepUp: boolean;
}

/**
 * The single global guard: deny by default. A route without a declaration is refused
 * (and the inventory test fails on it); a declared route is handed to the authenticator
 * of its kind, and the principal it returns is put in the request context.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  /** Each route's declaration by controller class and handler, read once: route metadata does not change after boot. */
  private readonly declarations = new Map<unknown, Map<unknown, RouteDeclaration>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
    @Optional() @Inject(ADMIN_AUTHENTICATOR) private readonly admin?: Authenticator,
    @Optional() @Inject(API_KEY_AUTHENTICATOR) private readonly apiKey?: Authenticator,
    @Optional() @Inject(PROVIDER_AUTHENTICATOR) private readonly provider?: Authenticator,
    @Optional() private readonly events?: SecurityEvents,
    @Optional() @Inject(REFUSED_REQUEST_LIMIT) private readonly refusedLimit?: RefusedRequestLimit,
  ) {}

  /** A public route is admitted at once (no promise); any other is authenticated. */
  canActivate(execution: ExecutionContext): boolean | Promise<boolean> {
    const { policy, stepUp } = this.declarationOf(execution);
    if (!policy) {
      this.logger.error(`route ${execution.getClass().name}.${execution.getHandler().name} declares no access policy`);
      throw AccessProblems.ROUTE_ACCESS_UNDECLARED();
    }
    if (policy.kind === 'public') return true;
    return this.authenticate(execution, policy, stepUp);
  }

  private declarationOf(execution: ExecutionContext): RouteDeclaration {
    const handler = execution.getHandler();
    const controller = execution.getClass();
    let ofController = this.declarations.get(controller);
    if (!ofController) {
      ofController = new Map<unknown, RouteDeclaration>();
      this.declarations.set(controller, ofController);
    }
    let declaration = ofController.get(handler);
    if (!declaration) {
      const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [handler, controller]);
      const stepUp = policy?.kind === 'admin' && this.reflector.get<boolean | undefined>(STEP_UP, handler) === true;
      declaration = { policy, stepUp };
      ofController.set(handler, declaration);
    }
    return declaration;
  }

  /** A principal the authenticator answers at once is admitted without a promise. */
  private authenticate(
    execution: ExecutionContext,
    policy: Exclude<AccessPolicy, { kind: 'public' }>,
    stepUp: boolean,
  ): boolean | Promise<boolean> {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const authenticator = this.authenticatorFor(policy, request);
    if (!authenticator) throw unauthenticated();
    const principal = authenticator.authenticate(request, policy);
    if (principal instanceof Promise) return principal.then((known) => this.admit(execution, policy, stepUp, known, request));
    return this.admit(execution, policy, stepUp, principal, request);
  }

  private admit(
    execution: ExecutionContext,
    policy: Exclude<AccessPolicy, { kind: 'public' }>,
    stepUp: boolean,
    principal: Principal,
    request: FastifyRequest,
  ): boolean | Promise<boolean> {
    try {
      authorize(policy, principal, { stepUp });
    } catch (error) {
      return this.refuse(execution, error, principal, request);
    }
    this.context.setPrincipal(principal);
    return true;
  }

  private async refuse(execution: ExecutionContext, error: unknown, principal: Principal, request: FastifyRequest): Promise<never> {
    if (principal.kind === 'api_key' && this.refusedLimit) {
      // The refusal is the key's request too: a key over its limit gets the 429, not
      // another refusal (and audit row). The request ends here, admitted to nothing.
      this.context.setPrincipal(principal);
      await this.refusedLimit.charge(execution.switchToHttp().getResponse<FastifyReply>());
    }
    await this.recordRefusal(error, principal, request);
    throw error;
  }

  /** A valid caller refused for its role or scope is evidence: written in its own transaction. */
  private async recordRefusal(error: unknown, principal: Principal, request: FastifyRequest): Promise<void> {
    const refusal = [AccessProblems.INSUFFICIENT_SCOPE, AccessProblems.INSUFFICIENT_ROLE].find((problem) => problem.is(error));
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
