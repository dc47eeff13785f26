import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';

// Short and plain, so a caller-chosen id cannot split or forge a log line.
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

/**
 * The server's own id for a request: what the log line, a problem's `requestId` and the
 * audit row carry. Never the client's, so two requests never share one and a row always
 * leads to the one request that wrote it.
 */
export function newRequestId(): string {
  return randomUUID();
}

/** The client's `X-Request-Id` when well-formed (echoed back and kept beside ours), else undefined. */
export function clientRequestIdOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : undefined;
}
