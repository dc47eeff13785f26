import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { UnitOfWork } from './unit-of-work';

/** Work that must commit with the request's change, run just before COMMIT (the audit row). */
export interface BeforeCommit {
  beforeCommit(execution: ExecutionContext, result: unknown): Promise<void>;
}
export const BEFORE_COMMIT = Symbol('BEFORE_COMMIT');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The request's unit of work: every authenticated route runs in one transaction (read-only
 * for safe methods), and what must commit with it runs before COMMIT. A handler that
 * throws rolls back its change and everything written with it. Attached per route by the
 * access decorators, so public routes pay nothing for it.
 */
@Injectable()
export class RequestTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Optional() @Inject(BEFORE_COMMIT) private readonly beforeCommit?: BeforeCommit,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.unitOfWork.active) return next.handle();
    const readOnly = SAFE_METHODS.has(execution.switchToHttp().getRequest<FastifyRequest>().method);
    return from(
      this.unitOfWork.run(
        async (): Promise<unknown> => {
          const result: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
          await this.beforeCommit?.beforeCommit(execution, result);
          return result;
        },
        { readOnly },
      ),
    );
  }
}
