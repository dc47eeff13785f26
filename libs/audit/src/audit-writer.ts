import { Injectable } from '@nestjs/common';
import { actorOf, RequestContext, UnitOfWork, workspaceIdOf } from '@ringfence/tenancy';
import { AuditLogEntry, AuditOutcome } from './audit-log-entry.entity';
import { AUDIT_STRING_MAX, AUDIT_USER_AGENT_MAX, boundText, redactedFieldsOf, sanitizeAuditValue } from './audit-redactions';
import { AuditChange } from './audit-trail';

export interface AuditEvent extends AuditChange {
  action: string;
  outcome: AuditOutcome;
  reason?: string;
}

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
    // No RETURNING (updateEntity(false)): RETURNING must pass the SELECT policies, and a
    // row about no workspace (an anonymous caller, a failed login) is not the writer's
    // to read back. An append needs nothing back.
    await this.unitOfWork.manager
      .createQueryBuilder()
      .insert()
      .into(AuditLogEntry)
      .values({
        workspaceId: workspaceIdOf(principal) ?? null,
        actorType: actor.type,
        actorId: actor.id,
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        before: event.before ? (sanitizeAuditValue(event.before, secret) as object) : null,
        after: event.after ? (sanitizeAuditValue(event.after, secret) as object) : null,
        outcome: event.outcome,
        reason: event.reason === undefined ? null : boundText(event.reason, AUDIT_STRING_MAX),
        clientIp: this.context.clientIp ?? null,
        userAgent: userAgent === undefined ? null : boundText(userAgent, AUDIT_USER_AGENT_MAX),
        requestId: this.context.requestId ?? null,
        environment: principal.kind === 'api_key' ? principal.environment : null,
      })
      .updateEntity(false)
      .execute();
  }
}
