import { Injectable } from '@nestjs/common';
import { RequestContext } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { WorkspaceOrigins } from './workspace-origins';
import { WorkspaceProblems } from './workspaces.problems';

/**
 * A browser calling with a workspace key must do so from one of that workspace's
 * allowed origins: the preflight admitted the origin for some workspace, this holds it
 * to the key's own. Calls without an Origin header (servers) are not concerned. The HTTP
 * boundary runs it right after the access gate has set the principal.
 */
@Injectable()
export class WorkspaceOriginCheck {
  constructor(
    private readonly context: RequestContext,
    private readonly origins: WorkspaceOrigins,
  ) {}

  /** Throws ORIGIN_NOT_ALLOWED for a key used from another workspace's origin. */
  check(request: FastifyRequest): void {
    const principal = this.context.principal;
    if (principal.kind !== 'api_key') return;
    const origin = request.headers.origin;
    if (origin === undefined || this.origins.allowedFor(principal.workspaceId, origin)) return;
    throw WorkspaceProblems.ORIGIN_NOT_ALLOWED();
  }
}
