import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncResource } from 'node:async_hooks';
import { newContextStore, RequestContext } from './request-context';

const RESOURCE = Symbol('ringfence.requestContextResource');
type WithResource = FastifyRequest & { [RESOURCE]?: AsyncResource };

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
