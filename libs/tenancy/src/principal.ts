export type AdminRole = 'owner' | 'admin' | 'auditor';
export type KeyEnvironment = 'live' | 'test';

/** Who is calling. Set by authentication only; the workspace id comes from here and nowhere else. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'admin'; readonly adminId: string; readonly role: AdminRole }
  | {
      readonly kind: 'api_key';
      readonly keyId: string;
      readonly workspaceId: string;
      readonly scopes: readonly string[];
      readonly environment: KeyEnvironment;
    }
  | { readonly kind: 'provider'; readonly provider: string; readonly workspaceId: string };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/** The audit actor a principal acts as. */
export function actorOf(principal: Principal): { type: Principal['kind'] | 'system'; id: string | null } {
  switch (principal.kind) {
    case 'anonymous':
      return { type: 'anonymous', id: null };
    case 'admin':
      return { type: 'admin', id: principal.adminId };
    case 'api_key':
      return { type: 'api_key', id: principal.keyId };
    case 'provider':
      return { type: 'provider', id: principal.provider };
  }
}

export function workspaceIdOf(principal: Principal): string | undefined {
  return principal.kind === 'api_key' || principal.kind === 'provider' ? principal.workspaceId : undefined;
}
