/** The scope registry of docs/routes.md; an unknown scope anywhere is a 400. */
export const SCOPES = [
  'keys:manage',
  'vault:read',
  'vault:write',
  'vault:reveal',
  'webhooks:read',
  'webhooks:write',
  'policies:read',
  'policies:write',
  'transfers:read',
  'transfers:write',
  'audit:read',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
