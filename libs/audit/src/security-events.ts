import { Injectable } from '@nestjs/common';
import { Problem } from '@ringfence/problems';
import { databaseUnavailable, Principal, RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { AuditEvent, AuditWriter } from './audit-writer';

/** Own-transaction writes in flight at once, at most: the rest of the pool stays for requests. */
export const SECURITY_EVENT_CONCURRENCY = 3;
/** Writes waiting for a turn, at most; and how long one waits. Past either, the request answers 503. */
export const SECURITY_EVENT_QUEUE_MAX = 100;
export const SECURITY_EVENT_WAIT_MS = 5_000;

/**
 * Evidence that must survive the request's failure (failed logins, refresh-token reuse,
 * wrong second factors, refused keys, reads of the audit log): each is written in its own
 * short transaction, after the caller's own has ended, so the 401 that follows rolls back
 * nothing of it. Callers sit behind rate limits, and at most SECURITY_EVENT_CONCURRENCY
 * such writes run at once (the others wait their turn), so a flood of failures cannot
 * take the connection pool. The wait is bounded too: with SECURITY_EVENT_QUEUE_MAX
 * writes waiting, or after SECURITY_EVENT_WAIT_MS, the request answers 503 (the evidence
 * is not written, and neither is what it would have let through), instead of a queue that
 * grows without end while the database is slow (seen: 39 s answers behind a held lock).
 */
@Injectable()
export class SecurityEvents {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly writer: AuditWriter,
    private readonly context: RequestContext,
  ) {}

  /**
   * Writes `event` in its own transaction. Inside a unit of work, the write waits until that
   * transaction has ended (its rollback does not take the event with it) and the unit of
   * work returns only after it: a request never holds one connection while waiting for another.
   */
  record(event: AuditEvent, principal?: Principal): Promise<void> {
    // The actor is whoever records the event, taken now: the deferred write runs outside
    // the transaction (and the principal) it was recorded in.
    const actor = principal ?? this.context.principal;
    return this.unitOfWork.afterTransaction(() => this.write(event, actor));
  }

  private async write(event: AuditEvent, principal: Principal): Promise<void> {
    await this.turn();
    try {
      await this.unitOfWork.run(() => this.writer.append(event), { principal });
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }

  private async turn(): Promise<void> {
    const started = Date.now();
    while (this.active >= SECURITY_EVENT_CONCURRENCY) {
      const waitMs = SECURITY_EVENT_WAIT_MS - (Date.now() - started);
      if (this.queue.length >= SECURITY_EVENT_QUEUE_MAX || waitMs <= 0) throw tooBusy();
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const at = this.queue.indexOf(wake);
          if (at >= 0) this.queue.splice(at, 1);
          reject(tooBusy());
        }, waitMs);
        this.queue.push(wake);
      });
    }
    this.active += 1;
  }
}

function tooBusy(): Problem {
  return databaseUnavailable({ kind: 'unavailable', reason: 'security events waiting too long for a turn' });
}
