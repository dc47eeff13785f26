import { Injectable } from '@nestjs/common';
import { ClsService, ClsStore } from 'nestjs-cls';
import { ANONYMOUS, Principal, workspaceIdOf } from './principal';

export interface RequestContextStore extends ClsStore {
  clientIp?: string;
  userAgent?: string;
  principal?: Principal;
}

/** Thrown when tenant-scoped code runs without a workspace: fail closed, never default. */
export class WorkspaceContextMissingError extends Error {
  constructor() {
    super('no workspace in the request context');
    this.name = 'WorkspaceContextMissingError';
  }
}

/**
 * The request's context (AsyncLocalStorage, through nestjs-cls): request id, client IP,
 * user agent and principal. Outside a request it is empty and the getters say so.
 */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService<RequestContextStore>) {}

  get active(): boolean {
    return this.cls.isActive();
  }

  get requestId(): string | undefined {
    return this.cls.isActive() ? this.cls.getId() : undefined;
  }

  get clientIp(): string | undefined {
    return this.cls.isActive() ? this.cls.get('clientIp') : undefined;
  }

  get userAgent(): string | undefined {
    return this.cls.isActive() ? this.cls.get('userAgent') : undefined;
  }

  get principal(): Principal {
    return (this.cls.isActive() ? this.cls.get('principal') : undefined) ?? ANONYMOUS;
  }

  setPrincipal(principal: Principal): void {
    this.cls.set('principal', principal);
  }

  /** The acting workspace; throws rather than let tenant code run unscoped. */
  get workspaceId(): string {
    const workspaceId = workspaceIdOf(this.principal);
    if (!workspaceId) throw new WorkspaceContextMissingError();
    return workspaceId;
  }
}
