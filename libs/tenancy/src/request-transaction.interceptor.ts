import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { UnitOfWork } from './unit-of-work';

/** Work that must commit with the request's change, run just before COMMIT (the audit row). */
export interface BeforeCommit {
  beforeCommit(execution: ExecutionContext, result: unknown): Promise<void>;
}
export const BEFORE_COMMIT = Symbol('BEFORE_COMMIT');

/**
 * The request's unit of work: a mutating route runs in one transaction, and what must
 * commit with it (the audit row) runs before COMMIT. A handler that throws rolls back its
 * change and everything written with it. Attached per route by `@Audited`; reads do not
 * pay for it (they use `UnitOfWork.read`).
 */
@Injectable()
export class RequestTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Optional() @Inject(BEFORE_COMMIT) private readonly beforeCommit?: BeforeCommit,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.unitOfWork.active) return next.handle();
    // The unit of work may run the handler again (a conflict): each attempt starts from
    // the reply's headers as they were, so a failed attempt's cookie is not sent too.
    const reply = execution.switchToHttp().getResponse<FastifyReply>();
    const headers = reply.getHeaders();
    let attempts = 0;
    return from(
      this.unitOfWork.run(async (): Promise<unknown> => {
        if (attempts++ > 0) restoreHeaders(reply, headers);
        const result: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
        await this.beforeCommit?.beforeCommit(execution, result);
        return result;
      }),
    );
  }
}

function restoreHeaders(reply: FastifyReply, headers: ReturnType<FastifyReply['getHeaders']>): void {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) void reply.header(name, value);
}
