import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';

const EXPOSED_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'idempotent-replayed'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const REFUSED: FastifyCorsOptions = { origin: false };
// Built once: `origin: true` reflects the request's Origin, answered only once it is allowed.
const COMMON = { origin: true, methods: METHODS, maxAge: 600, exposedHeaders: EXPOSED_HEADERS } as const;
const CONSOLE: FastifyCorsOptions = Object.freeze({ ...COMMON, credentials: true });
const WORKSPACE: FastifyCorsOptions = Object.freeze({ ...COMMON, credentials: false });

/**
 * CORS per request, from exact allowlists only; an origin on neither gets no CORS headers.
 * - CORS_ORIGINS (the admin console): credentials allowed, for the refresh cookie.
 * - Workspaces' own origins: answered without credentials (keys travel in a header), and
 *   each request is then held to its key's workspace by WorkspaceOriginCheck.
 */
export function corsOptionsFor(
  request: FastifyRequest,
  consoleOrigins: ReadonlySet<string>,
  workspaceOrigins: { allowedForSomeWorkspace(origin: string): boolean },
): FastifyCorsOptions {
  const origin = request.headers.origin;
  if (origin === undefined) return REFUSED;
  if (consoleOrigins.has(origin)) return CONSOLE;
  if (workspaceOrigins.allowedForSomeWorkspace(origin)) return WORKSPACE;
  return REFUSED;
}
