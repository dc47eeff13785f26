import { SetMetadata } from '@nestjs/common';
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
 * Declares the policy, and only that: no interceptor. A route's transaction comes with its
 * mutation (`@Audited`, which every authenticated mutating route carries: the inventory
 * test checks it); a read opens a read-only unit of work when it touches the database
 * (`UnitOfWork.read`). Reads that need none (a cached session) pay for none.
 */
function declare(policy: AccessPolicy): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_POLICY, policy);
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
export const StepUp = (): MethodDecorator => SetMetadata(STEP_UP, true);

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
