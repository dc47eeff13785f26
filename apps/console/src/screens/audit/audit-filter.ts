import type { components, operations } from '../../api/ringfence-api';

/** The audit view's filters, exactly as GET /v1/audit/events takes them (its query, less the cursor). */
export type AuditFilter = Omit<NonNullable<operations['audit.events.list']['parameters']['query']>, 'cursor'>;
export type AuditEvent = components['schemas']['AuditEvent'];
export type ActorType = NonNullable<AuditFilter['actorType']>;
export type Outcome = NonNullable<AuditFilter['outcome']>;

/** Every actor type and outcome the API filters by, with the words the console shows (a new one fails the type check here). */
export const ACTOR_TYPES: Record<ActorType, string> = {
  admin: 'Admin',
  api_key: 'API key',
  provider: 'Custody provider',
  system: 'System',
  anonymous: 'Anonymous',
};
export const OUTCOMES: Record<Outcome, string> = { success: 'Success', failure: 'Failure', denied: 'Denied' };

export const PAGE_SIZES = [10, 25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

const TEXT_FIELDS = ['workspaceId', 'action', 'actorId', 'targetType', 'targetId', 'from', 'to'] as const;

/**
 * The filter a page's query string carries (`/audit?action=api_key.revoke&workspaceId=…`): the
 * API's own parameter names, so a link, a reload or a sign-in after a lost session shows the
 * same rows. Values are passed as they are; the API validates them and says what is wrong.
 */
export function filterFromSearch(search: URLSearchParams): AuditFilter {
  const filter: AuditFilter = {};
  for (const name of TEXT_FIELDS) {
    const value = search.get(name)?.trim();
    if (value) filter[name] = value;
  }
  const actorType = search.get('actorType');
  if (actorType) filter.actorType = actorType as ActorType;
  const outcome = search.get('outcome');
  if (outcome) filter.outcome = outcome as Outcome;
  const limit = search.get('limit');
  if (limit && /^\d{1,4}$/.test(limit)) filter.limit = Number(limit);
  return filter;
}

/** The query string of a filter, in a stable order (it is also the filter's cache key). */
export function searchFromFilter(filter: AuditFilter): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of ['action', 'workspaceId', 'actorType', 'actorId', 'targetType', 'targetId', 'outcome', 'from', 'to'] as const) {
    const value = filter[name];
    if (value) search.set(name, value);
  }
  if (filter.limit !== undefined && filter.limit !== DEFAULT_PAGE_SIZE) search.set('limit', String(filter.limit));
  return search;
}

/** An RFC 3339 instant as a datetime-local input shows it: the admin's own clock, to the second. */
export function toLocalInput(instant: string | undefined): string {
  if (!instant) return '';
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) return '';
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}` +
    `T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`
  );
}

/** A datetime-local value (the admin's clock) as the RFC 3339 instant the API takes, in UTC. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString().replace('.000Z', 'Z');
}

/** `api_key.revoke` → `api_key.`: the prefix the API filters a family of actions by. */
export function actionFamily(action: string): string {
  const dot = action.indexOf('.');
  return dot === -1 ? action : action.slice(0, dot + 1);
}
