import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { UnitOfWork } from './unit-of-work';

/** Work that must commit with the request's change, run just before COMMIT (the audit row). */
export interface BeforeCommit {
  beforeCommit(execution: ExecutionContext, result: unknown): Promise<void>;
}
export const BEFORE_COMMIT = Symbol('BEFORE_COMMIT');

/** The request's mutation: its handler, then the work that commits with it (BEFORE_COMMIT); its result is the answer. */
export type RequestMutation = () => Promise<unknown>;

/**
 * Mutations that may be answered from what an earlier, identical request committed instead
 * of running again (idempotency keys: apps/api/src/idempotency). For a route that takes
 * part, `replayerFor` checks the request before its transaction opens (it may refuse it by
 * throwing) and returns what runs in that transaction around the mutation: either it runs
 * the mutation and keeps its answer, or it answers without running it, and then no
 * before-commit work (no audit row) is done for a mutation that did not happen. Undefined:
 * the route does not take part, and pays nothing more.
 */
export interface ReplayableMutations {
  replayerFor(execution: ExecutionContext): ((mutation: RequestMutation) => Promise<unknown>) | undefined;
}
export const REPLAYABLE_MUTATIONS = Symbol('REPLAYABLE_MUTATIONS');

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
    @Optional() @Inject(REPLAYABLE_MUTATIONS) private readonly replayable?: ReplayableMutations,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.unitOfWork.active) return next.handle();
    const replayer = this.replayable?.replayerFor(execution);
    // The unit of work may run the handler again (a conflict): each attempt starts from
    // the reply's headers as they were, so a failed attempt's cookie is not sent too.
    const reply = execution.switchToHttp().getResponse<FastifyReply>();
    const headers = reply.getHeaders();
    let attempts = 0;
    const mutation: RequestMutation = async () => {
      const result: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
      await this.beforeCommit?.beforeCommit(execution, result);
      return result;
    };
    return from(
      this.unitOfWork.run((): Promise<unknown> => {
        if (attempts++ > 0) restoreHeaders(reply, headers);
        return replayer ? replayer(mutation) : mutation();
      }),
    );
  }
}

function restoreHeaders(reply: FastifyReply, headers: ReturnType<FastifyReply['getHeaders']>): void {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) void reply.header(name, value);
}
