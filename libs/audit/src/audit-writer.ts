import { Injectable } from '@nestjs/common';
import { actorOf, environmentOf, prepared, RequestContext, UnitOfWork, workspaceIdOf } from '@ringfence/tenancy';
import { AuditOutcome } from './audit-row';
import { AUDIT_STRING_MAX, AUDIT_USER_AGENT_MAX, boundText, redactedFieldsOf, sanitizeAuditValue } from './audit-redactions';
import { AuditChange } from './audit-trail';

export interface AuditEvent extends AuditChange {
  action: string;
  outcome: AuditOutcome;
  reason?: string;
}

// Every audited mutation sends it: a named statement, parsed and planned once per connection.
const INSERT_AUDIT_ROW = `INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason,
                              client_ip, user_agent, request_id, client_request_id, environment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;

/**
 * Appends audit rows through the current unit of work's EntityManager, so a row commits
 * or rolls back with the change it describes. Who, from where and which request come
 * from the request context, never from the caller. Before/after lose the fields their
 * resource declares secret; client text (user agent, reasons, values) is kept as data
 * and bounded.
 */
@Injectable()
export class AuditWriter {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    const principal = this.context.principal;
    const actor = actorOf(principal);
    const secret = redactedFieldsOf(event.target?.type ?? '');
    const userAgent = this.context.userAgent;
    // The id and time are the database's (the app role may not insert them); no
    // RETURNING: it would have to pass the SELECT policies, and a row about no workspace
    // (an anonymous caller, a failed login) is not the writer's to read back.
    await this.unitOfWork.manager.query(prepared('ringfence_audit_insert', INSERT_AUDIT_ROW), [
      // A key's own workspace; else the one the change is about (admin and system paths),
      // so filtering by workspace finds what admins did to it.
      workspaceIdOf(principal) ?? event.workspaceId ?? (event.target?.type === 'workspace' ? event.target.id : null),
      actor.type,
      actor.id,
      event.action,
      event.target?.type ?? null,
      event.target?.id ?? null,
      event.before ? JSON.stringify(sanitizeAuditValue(event.before, secret)) : null,
      event.after ? JSON.stringify(sanitizeAuditValue(event.after, secret)) : null,
      event.outcome,
      event.reason === undefined ? null : boundText(event.reason, AUDIT_STRING_MAX),
      this.context.clientIp ?? null,
      userAgent === undefined ? null : boundText(userAgent, AUDIT_USER_AGENT_MAX),
      this.context.requestId ?? null,
      this.context.store?.clientRequestId ?? null,
      // A key's or a provider's own environment, always; else the one the change is about, if any (null reads as live).
      environmentOf(principal) ?? event.environment ?? null,
    ]);
  }
}
