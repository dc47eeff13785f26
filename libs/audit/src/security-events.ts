import { Injectable } from '@nestjs/common';
import { Principal, UnitOfWork } from '@ringfence/tenancy';
import { AuditEvent, AuditWriter } from './audit-writer';

/**
 * Evidence that must survive the request's failure (failed logins, refresh-token reuse,
 * wrong second factors): each is written in its own short transaction, so the 401 that
 * follows rolls back nothing of it. Callers sit behind a rate limit, so a flood of
 * failures cannot hold more than a few pool connections.
 */
@Injectable()
export class SecurityEvents {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly writer: AuditWriter,
  ) {}

  record(event: AuditEvent, principal?: Principal): Promise<void> {
    return this.unitOfWork.run(() => this.writer.append(event), principal ? { principal } : {});
  }
}
