import type { Principal } from '@ringfence/tenancy';

/** Who an audit row says acted: every kind of principal, and nothing else (`audit_log.actor_type`). */
export const AUDIT_ACTOR_TYPES = ['admin', 'api_key', 'provider', 'system', 'anonymous'] as const satisfies readonly Principal['kind'][];
/** How the audited attempt ended (`audit_log.outcome`). */
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
