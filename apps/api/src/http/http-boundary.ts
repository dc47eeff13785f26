import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { BadRequestException } from '@nestjs/common';
import { FastifyError, FastifyReply, FastifyRequest, LogController, RawServerDefault } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { installRequestContext } from '@ringfence/tenancy';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { WorkspaceOrigins } from '../workspaces/workspace-origins';
import { BATCH_BODY_LIMIT, bodyLimitFor } from './body-limits';
import { corsOptionsFor } from './cors-policy';
import { ErrorCode, sendProblem } from './problem';
import { ProblemDetailsFilter } from './problem-details.filter';
import { clientRequestIdOf, newRequestId } from './request-id';
import { RouteMethodIndex } from './route-method-index';
import { createValidationPipe } from './validation';

/**
 * The headers helmet sets for this configuration, computed once. They are static (no
 * CSP nonces), so replaying them is exactly helmet's output without running its eleven
 * middlewares on every request (@fastify/helmet even rebuilds them per request).
 */
function staticHelmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its configuration');
  });
  return headers;
}

/** One line per request, written when it completes. */
class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // The route pattern, never the raw URL: paths and query strings can carry secrets.
    const clientRequestId = clientRequestIdOf(request);
    request.log.info(
      {
        ...(clientRequestId ? { clientRequestId } : {}),
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
  }
}

/**
 * Ring L5's outer edge, on Fastify: security headers and the request id on every answer
 * (404s included), trusted-proxy client IPs, body caps per route class, the request
 * context, draining on close, and one log line per request.
 */
export function createFastifyAdapter(config: AppConfig, logger: Logger, routes: RouteMethodIndex): FastifyAdapter {
  // The headers OWASP's REST guidance asks of an API (HSTS, nosniff, no framing, a strict
  // CSP that still lets /docs load its own assets, no referrer, no caching of responses
  // that may carry a secret shown once); helmet's browser-page extras are left out.
  const securityHeaders = {
    ...staticHelmetHeaders({
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
        },
      },
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
    'cache-control': 'no-store',
  };
  // X-Request-Id echoes the client's well-formed id for its correlation, else carries ours.
  const stampBoundaryHeaders = (request: FastifyRequest, reply: FastifyReply): void =>
    void reply.headers(securityHeaders).header('x-request-id', clientRequestIdOf(request) ?? request.id);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController({ requestIdLogLabel: 'reqId' }),
    requestIdHeader: false,
    genReqId: newRequestId,
    // X-Forwarded-For is believed only when the peer is one of these proxies.
    trustProxy: config.http.trustedProxies.length > 0 ? [...config.http.trustedProxies] : false,
    bodyLimit: BATCH_BODY_LIMIT,
    return503OnClosing: true,
    // Path parameters up to 256 characters (vault secret names reach 128); a longer one,
    // or a URL that does not decode, is answered in the problem envelope like any error.
    routerOptions: { maxParamLength: 256 },
    // These answer before any hook has run: the boundary headers are stamped here too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      stampBoundaryHeaders(request, reply);
      sendProblem(reply, error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400, String(request.id));
    },
  });
  const fastify = adapter.getInstance();

  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = bodyLimitFor(route.config);
    routes.add(route.method, route.url);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    stampBoundaryHeaders(request, reply);
    done();
  });
  installRequestContext(fastify, clientRequestIdOf);

  // Draining: once close() begins, every response still going out ends its connection,
  // so keep-alive clients cannot hold the shutdown open (idle ones Fastify closes itself).
  let draining = false;
  fastify.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  return adapter;
}

/** Everything configured on the application object rather than in the module graph. */
export function configureHttpBoundary(app: NestFastifyApplication, config: AppConfig, routes: RouteMethodIndex): void {
  // JSON only: with our JSON parser registered first, Nest adds no urlencoded parser, and
  // Fastify's text/plain parser goes, so any other body is a 415.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: BATCH_BODY_LIMIT }, (request, body, done) =>
    parseJson(request, body.toString('utf8'), (error, value) =>
      error ? done(new BadRequestException({ code: ErrorCode.MalformedJson, detail: 'The request body is not valid JSON.' })) : done(null, value),
    ),
  );
  const consoleOrigins = new Set(config.http.corsOrigins);
  const workspaceOrigins = app.get(WorkspaceOrigins);
  app.enableCors({ delegator: (request, done) => done(null, corsOptionsFor(request, consoleOrigins, workspaceOrigins)) });
  app.useGlobalFilters(new ProblemDetailsFilter(routes));
  app.useGlobalPipes(createValidationPipe());
}
