import type { FastifyRequest } from 'fastify';

/** What the HTTP boundary asks of tracing when it is on: the request's own attributes on its span. */
export interface RequestTracing {
  annotate(request: FastifyRequest): void;
}
