import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import { ANONYMOUS, Principal, workspaceIdOf } from './principal';

/** What one request (or one unit of background work) carries through its async calls. */
export interface RequestContextStore {
  /** The server's own id of this request: what logs, problems and audit rows carry. */
  requestId?: string;
  /** A well-formed `X-Request-Id` the client sent, kept for its correlation only. */
  clientRequestId?: string;
  clientIp?: string;
  userAgent?: string;
  principal: Principal;
  /** The open transaction's manager; unset outside a unit of work. */
  manager?: EntityManager;
  /** Run once the open transaction has committed (not on rollback). */
  afterCommit?: (() => void)[];
  /** Awaited once the open transaction has ended, committed or rolled back, before its unit of work returns. */
  afterTransaction?: (() => Promise<void>)[];
  /** The outermost open unit of work's current attempt (shared by the units nested in it). */
  attempt?: UnitOfWorkAttempt;
  /** Per-request values owned by other rings (e.g. the audit trail), by key. */
  readonly slots: Map<symbol, unknown>;
}

/** One attempt of an outermost unit of work: retried on a conflict only while nothing has happened outside it. */
export interface UnitOfWorkAttempt {
  /** Something outside the transaction has happened (mail sent, a counter spent, a nested unit committed): no retry. */
  irreversible: boolean;
}

/** Thrown when tenant-scoped code runs without a workspace: fail closed, never default. */
export class WorkspaceContextMissingError extends Error {
  constructor() {
    super('no workspace in the request context');
    this.name = 'WorkspaceContextMissingError';
  }
}

const storage = new AsyncLocalStorage<RequestContextStore>();

export function newContextStore(fields: Partial<Omit<RequestContextStore, 'slots'>> = {}): RequestContextStore {
  return { principal: ANONYMOUS, ...fields, slots: new Map() };
}

/**
 * The request's context on AsyncLocalStorage: request id, client IP, user agent,
 * principal, and the open transaction. Outside a request it is empty and says so.
 * (Our own, not nestjs-cls: see docs/adr/0003-request-context-and-performance.md.)
 */
@Injectable()
export class RequestContext {
  /** Runs `work` inside `store`, e.g. a worker's unit of work or a test. */
  static run<T>(store: RequestContextStore, work: () => T): T {
    return storage.run(store, work);
  }

  get store(): RequestContextStore | undefined {
    return storage.getStore();
  }

  get requestId(): string | undefined {
    return storage.getStore()?.requestId;
  }

  get clientIp(): string | undefined {
    return storage.getStore()?.clientIp;
  }

  get userAgent(): string | undefined {
    return storage.getStore()?.userAgent;
  }

  get principal(): Principal {
    return storage.getStore()?.principal ?? ANONYMOUS;
  }

  setPrincipal(principal: Principal): void {
    const store = storage.getStore();
    if (!store) throw new Error('no request context to authenticate into');
    store.principal = principal;
  }

  /** The acting workspace; throws rather than let tenant code run unscoped. */
  get workspaceId(): string {
    const workspaceId = workspaceIdOf(this.principal);
    if (!workspaceId) throw new WorkspaceContextMissingError();
    return workspaceId;
  }
}
