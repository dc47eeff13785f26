import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncResource } from 'node:async_hooks';
import { newContextStore, RequestContext, RequestContextStore } from './request-context';

const RESOURCE = Symbol('ringfence.requestContextResource');
const STORE = Symbol('ringfence.requestContextStore');
type WithResource = FastifyRequest & { [RESOURCE]?: AsyncResource; [STORE]?: RequestContextStore };

/**
 * The context a request ran in, read from the request itself: for what runs once it has
 * ended (its log line, its metrics), outside its async scope. Undefined before `onRequest`.
 */
export function requestContextOf(request: FastifyRequest): Readonly<RequestContextStore> | undefined {
  return (request as WithResource)[STORE];
}

/** How the HTTP boundary reads what the context carries of a request. */
export interface RequestContextSources {
  /** A well-formed client `X-Request-Id`, else undefined. */
  clientRequestId(request: FastifyRequest): string | undefined;
  /** The client's address as a plain IP. */
  clientIp(request: FastifyRequest): string | undefined;
}

/**
 * Opens the request context as the request arrives and re-enters it after the body is
 * read (body parsing runs on stream events, outside the request's async scope).
 */
export function installRequestContext(fastify: FastifyInstance, sources: RequestContextSources): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const store = newContextStore({
      requestId: String(request.id),
      clientRequestId: sources.clientRequestId(request),
      clientIp: sources.clientIp(request),
      userAgent: request.headers['user-agent']?.slice(0, 512),
    });
    (request as WithResource)[STORE] = store;
    RequestContext.run(store, () => {
      (request as WithResource)[RESOURCE] = new AsyncResource('ringfence-request', { requireManualDestroy: true });
      done();
    });
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const resource = (request as WithResource)[RESOURCE];
    if (resource) resource.runInAsyncScope(done);
    else done();
  });
}
