import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RequestProblems } from '@ringfence/problems';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CONSOLE_BUNDLE_DIR } from './console-bundle-dir';

/** Where the console is served: the SPA's base (apps/console/vite.config.ts's `base`). */
export const CONSOLE_PREFIX = '/console';

/** Content-hashed file names (Vite's `[name]-[hash].ext`): a name never changes content. */
const HASHED_ASSET = /^\/assets\/[\w.-]+-[\w-]{8,}\.(?:js|css|woff2|png|svg)$/;

/**
 * The admin console, same origin as the API it calls: the bundle's files by @fastify/static
 * (each a route of its own, listed when the app starts: nothing outside the bundle can be
 * named), hashed assets cached for a year, and every other path under /console answered with
 * the page itself, for the SPA's router. Its headers are the boundary's, with the console's
 * CSP (http-boundary.ts). Not served where the bundle is absent (a build without it, a
 * worker instance answers 404 anyway).
 */
export function serveConsole(app: NestFastifyApplication, logger: Logger, bundleDir = CONSOLE_BUNDLE_DIR): boolean {
  const indexFile = join(bundleDir, 'index.html');
  if (!existsSync(indexFile)) {
    logger.warn({ bundleDir }, 'the admin console is not built (npm run build): /console is not served');
    return false;
  }
  const page = readFileSync(indexFile);
  const fastify = app.getHttpAdapter().getInstance();
  // Registered, not awaited: the plugin loads with the others when the application starts.
  // Awaited here, it loaded the plugins queued so far ahead of Nest's own setup, and a CORS
  // preflight's 429 lost its problem media type (test/e2e/preflight-limits.spec.ts).
  void fastify.register(fastifyStatic, {
    root: bundleDir,
    prefix: `${CONSOLE_PREFIX}/`,
    wildcard: false,
    index: false,
    redirect: false,
    decorateReply: false,
    dotfiles: 'deny',
    acceptRanges: false,
    lastModified: false,
    setHeaders: (reply, path) => {
      const relative = path.slice(bundleDir.length).replaceAll('\\', '/');
      void reply.header('cache-control', HASHED_ASSET.test(relative) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const answerPage = async (request: FastifyRequest, reply: FastifyReply): Promise<Buffer> => {
    // A file the bundle does not have is a 404, never the page (a stale tab asking for an old chunk).
    if (request.url.startsWith(`${CONSOLE_PREFIX}/assets/`)) throw RequestProblems.NOT_FOUND();
    void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return page;
  };
  fastify.get(CONSOLE_PREFIX, answerPage);
  fastify.get(`${CONSOLE_PREFIX}/*`, answerPage);
  return true;
}
