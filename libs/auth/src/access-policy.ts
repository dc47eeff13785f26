import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { AdminRole } from '@ringfence/tenancy';
import type { Scope } from './scopes';

/** Who may call a route. Every route declares exactly one; the guard denies the rest. */
export type AccessPolicy =
  | { readonly kind: 'public' }
  | { readonly kind: 'admin'; readonly roles: readonly AdminRole[] }
  | { readonly kind: 'api_key'; readonly scopes: readonly Scope[] }
  | { readonly kind: 'provider' };

export const ACCESS_POLICY = 'ringfence:access-policy';

function declare(policy: AccessPolicy): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ACCESS_POLICY, policy));
}

/** Anyone, unauthenticated (health, docs, login). */
export const Public = (): MethodDecorator & ClassDecorator => declare({ kind: 'public' });

/** A platform admin holding one of `roles`. */
export function AdminRoles(...roles: [AdminRole, ...AdminRole[]]): MethodDecorator & ClassDecorator {
  return declare({ kind: 'admin', roles });
}

/** A workspace API key holding every one of `scopes` (none: any valid key). */
export function Scopes(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return declare({ kind: 'api_key', scopes });
}

/** A custody provider, authenticated by its request signature alone. */
export const ProviderSigned = (): MethodDecorator & ClassDecorator => declare({ kind: 'provider' });
