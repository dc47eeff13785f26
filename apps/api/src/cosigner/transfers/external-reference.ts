import type { KeyEnvironment } from '@ringfence/tenancy';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const REFERENCE = new RegExp(`^(${UUID}):(live|test):(.+)$`);

/** Which workspace and environment a transfer intent belongs to, as its external reference says. */
export interface ReferencedPlace {
  readonly workspaceId: string;
  readonly environment: KeyEnvironment;
}

/**
 * The reference a transfer goes to the provider with (`externalTxId`):
 * `<workspaceId>:<environment>:<Idempotency-Key>`. Unique everywhere (two workspaces, or a
 * workspace's two environments, never collide), and what lets a callback find its intent.
 */
export function externalTxIdOf(place: ReferencedPlace, idempotencyKey: string): string {
  return `${place.workspaceId}:${place.environment}:${idempotencyKey}`;
}

/**
 * The place a callback's `externalTxId` names, if it has our form; a claim only, until a
 * transfer of that place is found under it (row-level security holds the place while it is
 * looked for).
 */
export function referencedPlaceOf(externalTxId: string | undefined): ReferencedPlace | undefined {
  const match = externalTxId === undefined ? null : REFERENCE.exec(externalTxId);
  return match ? { workspaceId: match[1]!, environment: match[2] as KeyEnvironment } : undefined;
}
