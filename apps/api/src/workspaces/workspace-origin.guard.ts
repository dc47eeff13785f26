import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RequestContext } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { WorkspaceOrigins } from './workspace-origins';
import { WorkspaceProblems } from './workspaces.problems';

/**
 * A browser calling with a workspace key must do so from one of that workspace's
 * allowed origins: the preflight admitted the origin for some workspace, this holds it
 * to the key's own. Calls without an Origin header (servers) are not concerned.
 */
@Injectable()
export class WorkspaceOriginGuard implements CanActivate {
  constructor(
    private readonly context: RequestContext,
    private readonly origins: WorkspaceOrigins,
  ) {}

  canActivate(execution: ExecutionContext): boolean {
    const principal = this.context.principal;
    if (principal.kind !== 'api_key') return true;
    const origin = execution.switchToHttp().getRequest<FastifyRequest>().headers.origin;
    if (origin === undefined || this.origins.allowedFor(principal.workspaceId, origin)) return true;
    throw WorkspaceProblems.ORIGIN_NOT_ALLOWED();
  }
}
