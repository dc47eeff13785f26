import { useOutletContext } from 'react-router';
import type { components, operations } from '../../api/ringfence-api';
import { hasRole } from '../../session/use-session';
import type { Me } from '../../session/session';

export type Workspace = components['schemas']['Workspace'];
export type ApiKey = components['schemas']['ApiKey'];
export type CreatedApiKey = components['schemas']['CreatedApiKey'];
/** The list's status filter: the states a listed workspace can be in. */
export type WorkspaceStatusFilter = NonNullable<NonNullable<operations['workspaces.list']['parameters']['query']>['status']>;

/** React Query keys of this area: invalidating `workspaceQueries.all` refreshes every list and page of it. */
export const workspaceQueries = {
  all: ['workspaces'] as const,
  lists: ['workspaces', 'list'] as const,
  list: (filters: { search: string; status: string; cursor: string | undefined }) => ['workspaces', 'list', filters] as const,
  one: (id: string) => ['workspaces', 'one', id] as const,
  /** Every page of a workspace's keys. */
  apiKeysOf: (id: string) => ['workspaces', 'one', id, 'api-keys'] as const,
  apiKeys: (id: string, cursor: string | undefined) => ['workspaces', 'one', id, 'api-keys', cursor ?? ''] as const,
};

/** What the workspace's detail page hands its tabs (Overview, API keys, and the tabs added later). */
export interface WorkspaceOutlet {
  workspace: Workspace;
}

/** The workspace of the detail page, for a tab rendered in its outlet. */
export function useWorkspace(): Workspace {
  return useOutletContext<WorkspaceOutlet>().workspace;
}

/** Owners and admins change workspaces and their keys; auditors read only (the API refuses them anyway). */
export function canManageWorkspaces(me: Me): boolean {
  return hasRole(me, 'owner', 'admin');
}

/** A fresh Idempotency-Key for a create the admin means to make once (absent where the browser has no randomUUID). */
export function newIdempotencyKey(): string | undefined {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : undefined;
}

/** Allowed origins as typed in a textarea, one a line; blank lines dropped. */
export function originsOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
