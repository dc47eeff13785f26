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

const CLIENT_REQUEST_ID = Symbol('ringfence.clientRequestId');
type WithClientRequestId = Pick<FastifyRequest, 'headers'> & { [CLIENT_REQUEST_ID]?: string | null };

/**
 * The client's `X-Request-Id` when well-formed (echoed back and kept beside ours), else
 * undefined. Read once per request: the header stamp, the context and the log line ask.
 */
export function clientRequestIdOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const memo = request as WithClientRequestId;
  if (memo[CLIENT_REQUEST_ID] === undefined) {
    const header = request.headers['x-request-id'];
    memo[CLIENT_REQUEST_ID] = typeof header === 'string' && WELL_FORMED.test(header) ? header : null;
  }
  return memo[CLIENT_REQUEST_ID] ?? undefined;
}
