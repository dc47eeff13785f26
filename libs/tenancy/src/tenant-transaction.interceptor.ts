import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { actorOf, Principal, workspaceIdOf } from './principal';
import { RequestContext } from './request-context';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One database transaction per request that can touch tenant data: every mutating
 * request, and every read by an authenticated principal (row-level security needs the
 * session settings, and they live only as long as a transaction). Its first statement
 * sets `app.workspace_id`, `app.actor` and, for admins only, `app.platform`.
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly context: RequestContext,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const method = execution.switchToHttp().getRequest<FastifyRequest>().method;
    const principal = this.context.principal;
    const readOnly = SAFE_METHODS.has(method);
    if (readOnly && principal.kind === 'anonymous') return next.handle();

    return from(
      this.txHost.withTransaction(async (): Promise<unknown> => {
        if (readOnly) await this.txHost.tx.query('SET TRANSACTION READ ONLY');
        await applySessionSettings(this.txHost.tx, principal);
        return lastValueFrom(next.handle(), { defaultValue: undefined });
      }),
    );
  }
}

/** The settings row-level security reads; transaction-local (`set_config(..., true)`). */
export async function applySessionSettings(
  manager: { query: (sql: string, parameters?: unknown[]) => Promise<unknown> },
  principal: Principal,
): Promise<void> {
  const actor = actorOf(principal);
  await manager.query(
    `SELECT set_config('app.workspace_id', $1, true), set_config('app.actor', $2, true), set_config('app.platform', $3, true)`,
    [workspaceIdOf(principal) ?? '', `${actor.type}:${actor.id ?? ''}`, principal.kind === 'admin' ? 'on' : 'off'],
  );
}
