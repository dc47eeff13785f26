import type { components } from '../../api/ringfence-api';
import type { AdminRole } from '../../session/session';

export type Scope = components['schemas']['CreateApiKey']['scopes'][number];

/**
 * Every scope a key can hold (the generated types' list: a Record over it fails to compile
 * when the API gains or loses a scope), in the checklist's order, with what it opens.
 */
const SCOPE_MEANINGS: Readonly<Record<Scope, string>> = {
  'keys:manage': 'Manage this workspace’s keys, never beyond its own scopes',
  'vault:read': 'List and read secrets’ metadata',
  'vault:write': 'Create, version and delete secrets',
  'vault:reveal': 'Reveal a secret’s plaintext (audited)',
  'webhooks:read': 'Read webhook endpoints, event types and deliveries',
  'webhooks:write': 'Change webhook endpoints, rotate their secrets, replay deliveries',
  'policies:read': 'Read the cosigner policy and its versions',
  'policies:write': 'Draft, activate and explain policies',
  'transfers:read': 'List and read transfers with their decisions',
  'transfers:write': 'Submit transfers',
  'audit:read': 'Read this workspace’s audit rows',
};

export const SCOPES: readonly { scope: Scope; meaning: string }[] = Object.entries(SCOPE_MEANINGS).map(([scope, meaning]) => ({
  scope: scope as Scope,
  meaning,
}));

/**
 * The scopes a role may not put on a key it makes (the API's ROLE_WITHHELD_SCOPES in
 * apps/api/src/workspaces/api-keys/api-keys.service.ts): shown disabled, so the admin is not
 * offered what the API would refuse with INSUFFICIENT_ROLE. The API decides, not this list.
 */
const WITHHELD: Readonly<Record<AdminRole, readonly Scope[] | 'all'>> = {
  owner: [],
  admin: ['audit:read', 'vault:reveal'],
  auditor: 'all',
};

export function grantableBy(role: AdminRole, scope: Scope): boolean {
  const withheld = WITHHELD[role];
  return withheld !== 'all' && !withheld.includes(scope);
}

/** A key's public prefix, as the API's events name it: its environment and public id, never its secret. */
export function keyPrefix(key: { environment: 'live' | 'test'; id: string }): string {
  return `rf_${key.environment}_${key.id}`;
}
