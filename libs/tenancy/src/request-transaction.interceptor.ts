import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
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
    return from(
      this.unitOfWork.run(
        async (): Promise<unknown> => {
          const result: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
          await this.beforeCommit?.beforeCommit(execution, result);
          return result;
        },
      ),
    );
  }
}
