import { SetMetadata } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { ADMIN_ROLES, type AdminRole } from '@ringfence/tenancy';
import type { Scope } from './scopes';

/** Who may call a route. Every route declares exactly one; the guard denies the rest. */
export type AccessPolicy =
  | { readonly kind: 'public' }
  | {
      readonly kind: 'admin';
      readonly roles: readonly AdminRole[];
      /** Also open to a session still in setup (TOTP enrolment, password change). */
      readonly duringSetup?: boolean;
    }
  | { readonly kind: 'api_key'; readonly scopes: readonly Scope[] }
  /** Either caller, each on its own terms (a route both consoles and integrations read). */
  | { readonly kind: 'admin_or_api_key'; readonly roles: readonly AdminRole[]; readonly scopes: readonly Scope[] }
  | { readonly kind: 'provider' };

export const ACCESS_POLICY = 'ringfence:access-policy';

/**
 * What the gate reads of a route as a request arrives: its policy and whether it asks for
 * a recent second factor. Carried in the Fastify route config, where the declaring
 * decorators put it beside the Nest metadata the inventory and the OpenAPI document read.
 */
export interface RouteAccess {
  readonly policy: AccessPolicy;
  readonly stepUp: boolean;
}

const ROUTE_ACCESS = 'ringfenceAccess';
const ROUTE_STEP_UP = 'ringfenceStepUp';

/**
 * Merges `entries` into a controller method's Fastify route config (Nest's `@RouteConfig()`
 * replaces the whole object; the decorators that each add their own entry merge instead).
 */
export function mergeRouteConfig(method: object, entries: Record<string, unknown>): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) ?? {}) as Record<string, unknown>;
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, ...entries }, method);
}

/** The access a Fastify route config declares; undefined: none (the gate refuses the route). */
export function routeAccessOf(routeConfig: unknown): RouteAccess | undefined {
  const config = routeConfig as Record<string, unknown> | undefined;
  const policy = config?.[ROUTE_ACCESS] as AccessPolicy | undefined;
  return policy ? { policy, stepUp: policy.kind === 'admin' && config?.[ROUTE_STEP_UP] === true } : undefined;
}

/** Whether a Fastify route config carries an access policy already (e.g. a native route the boundary declared public). */
export function declaresAccess(routeConfig: unknown): boolean {
  return (routeConfig as Record<string, unknown> | undefined)?.[ROUTE_ACCESS] !== undefined;
}

/** A route config entry declaring `policy`, for routes registered on Fastify directly (the docs page, CORS preflights). */
export function accessConfig(policy: AccessPolicy): Record<string, unknown> {
  return { [ROUTE_ACCESS]: policy };
}

/**
 * Declares the policy, and only that: no interceptor. A route's transaction comes with its
 * mutation (`@Audited`, which every authenticated mutating route carries: the inventory
 * test checks it); a read opens a read-only unit of work when it touches the database
 * (`UnitOfWork.read`). Reads that need none (a cached session) pay for none.
 */
function declare(policy: AccessPolicy): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      SetMetadata(ACCESS_POLICY, policy)(target, key!, descriptor);
      mergeRouteConfig(descriptor.value as object, accessConfig(policy));
      return;
    }
    // On a controller: its methods that declare nothing of their own (method decorators
    // have run by now) take the controller's policy, as Nest's metadata reads it.
    SetMetadata(ACCESS_POLICY, policy)(target as never);
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (name === 'constructor' || typeof method !== 'function' || Reflect.getMetadata(ACCESS_POLICY, method) !== undefined) continue;
      mergeRouteConfig(method, accessConfig(policy));
    }
  };
}

/** Anyone, unauthenticated (health, docs, login). */
export const Public = (): MethodDecorator & ClassDecorator => declare({ kind: 'public' });

/** A platform admin holding one of `roles`. */
export function AdminRoles(...roles: [AdminRole, ...AdminRole[]]): MethodDecorator & ClassDecorator {
  return declare({ kind: 'admin', roles });
}

/** Any platform admin, whatever the role: their own account and sessions. */
export function AnyAdmin(options: { duringSetup?: boolean } = {}): MethodDecorator & ClassDecorator {
  return declare({ kind: 'admin', roles: ADMIN_ROLES, ...(options.duringSetup ? { duringSetup: true } : {}) });
}

export const STEP_UP = 'ringfence:step-up';
/** How recent a second factor a `@StepUp()` route needs. */
export const STEP_UP_WINDOW_MS = 5 * 60 * 1000;

/**
 * A sensitive admin route: the session must have seen a second factor (TOTP or recovery
 * code, at login or through `POST /v1/auth/step-up`) within the last five minutes.
 * Combine with `@AdminRoles(...)` or `@AnyAdmin()`.
 */
export const StepUp = (): MethodDecorator => (target, key, descriptor) => {
  SetMetadata(STEP_UP, true)(target, key, descriptor);
  mergeRouteConfig(descriptor.value as object, { [ROUTE_STEP_UP]: true });
};

/** A workspace API key holding every one of `scopes` (none: any valid key). */
export function Scopes(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return declare({ kind: 'api_key', scopes });
}

/**
 * A platform admin holding one of `roles`, or a workspace API key holding every one of
 * `scopes`: the bearer token's form says which (keys start `rf_live_` / `rf_test_`).
 */
export function AdminRolesOrScopes(access: { roles: [AdminRole, ...AdminRole[]]; scopes: Scope[] }): MethodDecorator & ClassDecorator {
  return declare({ kind: 'admin_or_api_key', roles: access.roles, scopes: access.scopes });
}

/** A custody provider, authenticated by its request signature alone. */
export const ProviderSigned = (): MethodDecorator & ClassDecorator => declare({ kind: 'provider' });
