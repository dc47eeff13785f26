import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BeforeCommit } from '@ringfence/tenancy';
import { AUDITED_ACTION } from './audited.decorator';
import { AuditTrail } from './audit-trail';
import { AuditWriter } from './audit-writer';

/**
 * Writes an `@Audited` route's row after its handler succeeded and before the request's
 * transaction commits; a handler that throws leaves neither its change nor its row.
 */
@Injectable()
export class AuditBeforeCommit implements BeforeCommit {
  constructor(
    private readonly reflector: Reflector,
    private readonly trail: AuditTrail,
    private readonly writer: AuditWriter,
  ) {}

  async beforeCommit(execution: ExecutionContext): Promise<void> {
    const action = this.reflector.get<string | undefined>(AUDITED_ACTION, execution.getHandler());
    if (action) await this.writer.append({ action, outcome: 'success', ...this.trail.current() });
  }
}
