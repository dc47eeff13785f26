export type AdminRole = 'owner' | 'admin' | 'auditor';
export const ADMIN_ROLES: readonly AdminRole[] = ['owner', 'admin', 'auditor'];
/** `setup`: password accepted, a second factor or a password change still due. */
export type AdminSessionStage = 'setup' | 'full';
/** A workspace's two worlds: what a key, a provider, a policy, a transfer or an endpoint belongs to. */
export type KeyEnvironment = 'live' | 'test';

/** Who is calling. Set by authentication only; the workspace id comes from here and nowhere else. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'admin';
      readonly adminId: string;
      readonly role: AdminRole;
      readonly sessionId: string;
      readonly stage: AdminSessionStage;
      /** When this session last saw a second factor (epoch ms), for step-up. */
      readonly secondFactorAt: number | null;
    }
  | {
      readonly kind: 'api_key';
      readonly keyId: string;
      readonly workspaceId: string;
      readonly scopes: readonly string[];
      readonly environment: KeyEnvironment;
      /** The workspace's plan, for its request limits. */
      readonly plan: string;
      /** When the key stops working (epoch ms), or null: a key never mints one that outlives it. */
      readonly expiresAt: number | null;
    }
  | {
      readonly kind: 'provider';
      readonly provider: string;
      /**
       * The workspace and environment a verified callback is about, read from its signed
       * `externalTxId` by the cosigner (ADR 0019); null while none is known (authentication
       * says only which provider signed) or when the callback names no transfer of ours.
       */
      readonly workspaceId: string | null;
      readonly environment: KeyEnvironment | null;
    }
  /** The service itself: bootstrap, workers, command-line tools. Never from a request. */
  | { readonly kind: 'system'; readonly process: string };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/** The audit actor a principal acts as. */
export function actorOf(principal: Principal): { type: Principal['kind']; id: string | null } {
  switch (principal.kind) {
    case 'anonymous':
      return { type: 'anonymous', id: null };
    case 'admin':
      return { type: 'admin', id: principal.adminId };
    case 'api_key':
      return { type: 'api_key', id: principal.keyId };
    case 'provider':
      return { type: 'provider', id: principal.provider };
    case 'system':
      return { type: 'system', id: principal.process };
  }
}

/**
 * The actor as one string, `type:id` (`api_key:7K3M9QXA`, `system:keys-rewrap`): what
 * `app.actor` holds for row-level security and the SQL functions, and what `created_by`
 * columns record.
 */
export function actorLabel(principal: Principal): string {
  const actor = actorOf(principal);
  return `${actor.type}:${actor.id ?? ''}`;
}

export function workspaceIdOf(principal: Principal): string | undefined {
  return principal.kind === 'api_key' || principal.kind === 'provider' ? (principal.workspaceId ?? undefined) : undefined;
}

/** The environment a workspace's principal acts in (test never sees live, live never test); none for the others. */
export function environmentOf(principal: Principal): KeyEnvironment | undefined {
  return principal.kind === 'api_key' || principal.kind === 'provider' ? (principal.environment ?? undefined) : undefined;
}
