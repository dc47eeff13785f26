import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, Observable } from 'rxjs';
import { AUDITED_ACTION } from './audited.decorator';
import { AuditTrail } from './audit-trail';
import { AuditWriter } from './audit-writer';

/**
 * Writes the `@Audited` route's row after its handler succeeds and before the request's
 * transaction commits; a handler that throws leaves neither its change nor its row.
 * Must run inside the tenant transaction interceptor.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly trail: AuditTrail,
    private readonly writer: AuditWriter,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(AUDITED_ACTION, execution.getHandler());
    if (!action) return next.handle();
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        await this.writer.append({ action, outcome: 'success', ...this.trail.current() });
        return result;
      }),
    );
  }
}
