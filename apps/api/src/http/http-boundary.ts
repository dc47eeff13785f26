import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccessGate, accessConfig, declaresAccess, routeAccessOf } from '@ringfence/access';
import { ClientIpLimit, skipsRateLimits, WorkspaceLimit } from '@ringfence/limits';
import { Problem, ProblemFactory, RequestProblems } from '@ringfence/problems';
import { actorLabel, installRequestContext, requestContextOf, workspaceIdOf } from '@ringfence/tenancy';
import fastifyCors, { FastifyCorsOptions } from '@fastify/cors';
import proxyAddr from '@fastify/proxy-addr';
import {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  LogController,
  onRequestHookHandler,
  preHandlerHookHandler,
  RawServerDefault,
  RouteOptions,
} from 'fastify';
import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import secureJson from 'secure-json-parse';
import { AppConfig } from '../config/app-config';
import type { RequestTracing } from '../telemetry/request-tracing';
import { WorkspaceOriginCheck } from '../workspaces/workspace-origin.check';
import { WorkspaceOrigins } from '../workspaces/workspace-origins';
import { BATCH_BODY_LIMIT, bodyLimitFor, bodyShapeFor, takesTokenBody, TOKEN_MEDIA_TYPES } from './body-limits';
import { clientAddressOf } from './client-address';
import { limitConnections } from './connection-limits';
import { corsOptionsFor } from './cors-policy';
import { HttpBoundaryProblems } from './http-boundary.problems';
import { declareRouteQueries, queryCheckFor } from './declared-query';
import { problemCodeOf, problemOfStatus, rawProblemResponse, sendProblem } from './problem';
import { ProblemDetailsFilter } from './problem-details.filter';
import { clientRequestIdOf, newRequestId } from './request-id';
import { requestGate } from './request-gate';
import { assertPlainParameters, parseJsonBody } from './request-input';
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

/** What observes each answered request (the metrics, apps/api/src/metrics): the boundary's port, so that the boundary imports no feature. */
export interface RequestObserver {
  /** One answered request: `route` is the route's pattern (null when none matched). */
  observeRequest(method: string, route: string | null, status: number, elapsedMs: number, problemCode?: string, credential?: string): void;
}

/** One line per request, written when it completes, and its count and time in the metrics. */
class RequestLogController extends LogController {
  constructor(private readonly metrics: RequestObserver | undefined) {
    super({ requestIdLogLabel: 'reqId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // The route pattern, never the raw URL: paths and query strings can carry secrets.
    const route = request.routeOptions.url ?? null;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    this.metrics?.observeRequest(
      request.method,
      route,
      status,
      ms,
      problemCodeOf(reply),
      routeAccessOf(request.routeOptions.config)?.policy.kind,
    );
    if (!(request.log as Logger).isLevelEnabled('info')) return;
    const clientRequestId = clientRequestIdOf(request);
    // Who asked, as ids (an admin's, a key's public id, a provider's name) and the workspace
    // they acted in: never a credential.
    const principal = requestContextOf(request)?.principal;
    const actor = principal && principal.kind !== 'anonymous' ? actorLabel(principal) : undefined;
    const workspaceId = principal ? workspaceIdOf(principal) : undefined;
    request.log.info(
      {
        ...(clientRequestId ? { clientRequestId } : {}),
        method: request.method,
        route,
        status,
        ms: Math.round(ms * 100) / 100,
        ...(actor ? { actor } : {}),
        ...(workspaceId ? { workspaceId } : {}),
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
export function createFastifyAdapter(
  config: AppConfig,
  logger: Logger,
  routes: RouteMethodIndex,
  metrics?: RequestObserver,
  tracing?: RequestTracing,
): FastifyAdapter {
  // Draining: once close() begins, every response still going out ends its connection,
  // so keep-alive clients cannot hold the shutdown open (idle ones Fastify closes itself).
  // Decided as the response's head is written, not in an onSend hook: any onSend hook
  // sends every answer down Fastify's slower hook path.
  let draining = false;
  // Every answer but the docs page is JSON (problems included): its CSP allows nothing.
  const securityHeaders = boundaryHeaders({ defaultSrc: ["'none'"], frameAncestors: ["'none'"] });
  // The docs page loads its own scripts, styles and images.
  const docsHeaders = boundaryHeaders({
    defaultSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  });
  // The admin console (apps/console, served at /console): its own scripts, styles and images
  // only, the QR code of a TOTP enrolment as a data: image, calls to this origin only; no
  // inline script or style, no eval, and DOM sinks take Trusted Types only.
  const consoleHeaders = boundaryHeaders(
    {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      manifestSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      requireTrustedTypesFor: ["'script'"],
      trustedTypes: ["'none'"],
    },
    // A page of another origin that opened the console (or that the console's tab went on to)
    // keeps no handle on it: no tabnabbing of a signed-in console.
    { 'cross-origin-opener-policy': 'same-origin' },
  );
  const headersOf = (route: string | undefined): Readonly<Record<string, string>> =>
    route === undefined ? securityHeaders : isDocsPage(route) ? docsHeaders : isConsolePage(route) ? consoleHeaders : securityHeaders;
  // X-Request-Id echoes the client's well-formed id for its correlation, else carries ours.
  const stampBoundaryHeaders = (request: FastifyRequest, reply: FastifyReply): void =>
    void reply.headers(headersOf(request.routeOptions?.url)).header('x-request-id', clientRequestIdOf(request) ?? request.id);
  const adapter = new FastifyAdapter({
    // No Nest middleware here: without @fastify/middie, no request pays its hook. Nest
    // refuses to boot a module that configures middleware (a test says so).
    skipMiddie: true,
    loggerInstance: logger,
    logController: new RequestLogController(metrics),
    requestIdHeader: false,
    genReqId: newRequestId,
    // X-Forwarded-For is believed only when the peer is one of these proxies.
    trustProxy: config.http.trustedProxies.length > 0 ? [...config.http.trustedProxies] : false,
    bodyLimit: BATCH_BODY_LIMIT,
    return503OnClosing: true,
    // A request whose headers and body have not arrived in time is answered 408 (through
    // clientErrorHandler) and its socket closed: a stalled upload cannot hold a descriptor
    // for ever. Connections are checked every second (Node's default: 30 s).
    requestTimeout: config.http.requestTimeoutMs,
    // Node answers a missing Host with an empty 400 of its own; the hook below answers it.
    http: {
      headersTimeout: config.http.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.http.requestTimeoutMs),
      requireHostHeader: false,
      ServerResponse: responseClosingWhen(() => draining),
    },
    // What Node's HTTP parser refuses never becomes a request: answered here, as a problem.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => answerClientError(error, socket, securityHeaders, logger),
    // Path parameters up to 256 characters (vault secret names reach 128); a longer one,
    // or a URL that does not decode, is answered in the problem envelope like any error.
    routerOptions: { maxParamLength: 256 },
    // These answer before any hook has run: the boundary headers are stamped here too.
    // They are requests from an address all the same: L1 counts them, and a spent address
    // gets its 429 here as anywhere else.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      stampBoundaryHeaders(request, reply);
      const refusal = (): void =>
        sendProblem(
          reply,
          problemOfStatus(error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400),
          String(request.id),
        );
      const failed = (failure: unknown): void => {
        if (!(failure instanceof Problem)) request.log.error({ err: failure }, 'request failed');
        sendProblem(reply, failure instanceof Problem ? failure : problemOfStatus(500), String(request.id));
      };
      try {
        const charged = steps.chargeRefusedEarly?.(request, reply) ?? true;
        if (charged instanceof Promise) charged.then(refusal, failed);
        else refusal();
      } catch (failure) {
        failed(failure);
      }
    },
  });
  const fastify = adapter.getInstance();
  const steps: BoundarySteps = {};
  boundarySteps.set(fastify, steps);
  limitConnections(fastify.server, {
    total: config.http.maxConnections,
    perAddress: config.http.maxConnectionsPerAddress,
    trustedProxies: config.http.trustedProxies,
  });
  // What Node answers by itself otherwise: an unmet Expect (an empty 417) and CONNECT (the
  // socket dropped without a word). Both in the problem envelope, then the connection closes.
  fastify.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) =>
    answerRaw(response.socket, HttpBoundaryProblems.EXPECTATION_FAILED(), securityHeaders, logger, 'unmet Expect'),
  );
  fastify.server.on('connect', (_request: IncomingMessage, socket: Socket) =>
    answerRaw(socket, HttpBoundaryProblems.NOT_IMPLEMENTED(), securityHeaders, logger, 'CONNECT'),
  );

  // Every route passes the gate, native Fastify routes included; those the boundary
  // itself serves (the docs page, CORS preflights) are declared public here.
  const gate: preHandlerHookHandler = (request, reply, done) => {
    if (!steps.gate) return done(new Error('the request gate runs on an application configureHttpBoundary set up'));
    steps.gate.call(fastify, request, reply, done);
  };
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = bodyLimitFor(route.config);
    routes.add(route.method, route.url);
    if (!declaresAccess(route.config) && isBoundaryPublicRoute(route))
      route.config = { ...route.config, ...accessConfig({ kind: 'public' }) };
    const preHandlers = route.preHandler === undefined ? [] : [route.preHandler].flat();
    const queryCheck = queryCheckFor(route.config);
    if (!preHandlers.includes(gate)) route.preHandler = [gate, ...(queryCheck ? [queryCheck] : []), ...preHandlers];
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    stampBoundaryHeaders(request, reply);
    if (steps.cors && request.headers.origin !== undefined && request.method !== 'OPTIONS') {
      // CORS answers depend on the Origin only: a request without one (a server, a probe) has
      // nothing to answer, and `Vary: Origin` is already among the boundary headers. An
      // OPTIONS is answered once L1 has counted it (configureHttpBoundary).
      void steps.cors.call(fastify, request, reply, done);
    } else done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      assertPlainParameters(request.params, request.query);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  installRequestContext(fastify, { clientRequestId: clientRequestIdOf, clientIp: clientAddressOf });
  // Only when tracing is on: off, no request pays for a hook.
  if (tracing)
    fastify.addHook('onRequest', (request, _reply, done) => {
      tracing.annotate(request);
      done();
    });

  fastify.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  return adapter;
}

/** Node's response, that asks for its connection to close once `closing()` says so. */
function responseClosingWhen(closing: () => boolean): typeof ServerResponse {
  const writeHead = Reflect.get(ServerResponse.prototype, 'writeHead') as (...args: unknown[]) => ServerResponse;
  class ClosingResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {}
  ClosingResponse.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (closing() && !this.headersSent) this.setHeader('connection', 'close');
    return Reflect.apply(writeHead, this, args);
  } as ServerResponse['writeHead'];
  return ClosingResponse;
}

/** The boundary's steps that need the application (its allowlists, the gate's parts), set once it exists. */
interface BoundarySteps {
  /** The CORS step of the onRequest hook. */
  cors?: onRequestHookHandler;
  /** Every route's gate (its first `preHandler`). */
  gate?: preHandlerHookHandler;
  /** L1 for a request the router refused before any hook ran (answered through `frameworkErrors`). */
  chargeRefusedEarly?: (request: FastifyRequest, reply: FastifyReply) => boolean | Promise<boolean>;
}
const boundarySteps = new WeakMap<FastifyInstance, BoundarySteps>();

/**
 * The routes registered on Fastify by the boundary itself rather than by a controller:
 * the OpenAPI page, its assets and documents, the admin console's page and bundle
 * (apps/api/src/console-host), and @fastify/cors's `OPTIONS *`. Public.
 * No controller may take these paths (the route inventory checks it).
 */
export function isBoundaryPublicRoute(route: Pick<RouteOptions, 'method' | 'url'>): boolean {
  const { url } = route;
  if (url === '*') return [route.method].flat().every((method) => method === 'OPTIONS');
  return url === '/docs' || url.startsWith('/docs/') || url === '/docs-json' || url === '/docs-yaml' || isConsolePage(url);
}

/**
 * @fastify/cors's request hook, taken rather than added to the instance (as Nest's
 * `enableCors` takes it too), so that the boundary runs it for requests with an Origin only.
 * Its preflight route (`OPTIONS *`) and request decorator are registered as usual.
 */
function corsHookOf(fastify: FastifyInstance, options: FastifyCorsOptions): onRequestHookHandler {
  let hook: onRequestHookHandler | undefined;
  const taking: FastifyInstance = new Proxy(fastify, {
    get(target, property) {
      if (property === 'addHook') {
        return (name: string, handler: onRequestHookHandler) => {
          if (name !== 'onRequest' || hook) throw new Error(`@fastify/cors added an unexpected ${name} hook`);
          hook = handler;
          return taking;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  fastifyCors(taking, options, (error?: Error) => {
    if (error) throw error;
  });
  if (!hook) throw new Error('@fastify/cors added no request hook');
  return hook;
}

/**
 * The headers OWASP's REST guidance asks of an API (HSTS, nosniff, no framing, a strict
 * CSP, no referrer, no caching of responses that may carry a secret shown once), computed
 * once per answer type; helmet's browser-page extras are left out.
 */
function boundaryHeaders(csp: Record<string, string[]>, extra: Readonly<Record<string, string>> = {}): Readonly<Record<string, string>> {
  return Object.freeze({
    ...extra,
    ...staticHelmetHeaders({
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      contentSecurityPolicy: { useDefaults: false, directives: csp },
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
    'cache-control': 'no-store',
    // CORS answers depend on the Origin (see corsOptionsFor), whether the request had one or not.
    vary: 'Origin',
  });
}

/** The admin console's page and bundle (`/console`, `/console/…`): static files, no data. */
function isConsolePage(route: string): boolean {
  return route === '/console' || route.startsWith('/console/');
}

/** The OpenAPI page and its assets (`/docs`, `/docs/…`), not its JSON and YAML documents. */
function isDocsPage(route: string | undefined): boolean {
  return route !== undefined && (route === '/docs' || route.startsWith('/docs/'));
}

function countHostHeaders(rawHeaders: readonly string[]): number {
  let hosts = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) if (rawHeaders[index]!.toLowerCase() === 'host') hosts += 1;
  return hosts;
}

/** HTTP parser errors by Node's code; anything else it refuses is a BAD_REQUEST. */
const CLIENT_ERROR_PROBLEMS: Readonly<Record<string, ProblemFactory>> = {
  ERR_HTTP_REQUEST_TIMEOUT: HttpBoundaryProblems.REQUEST_TIMEOUT,
  HPE_HEADER_OVERFLOW: HttpBoundaryProblems.HEADERS_TOO_LARGE,
  HPE_INVALID_METHOD: HttpBoundaryProblems.NOT_IMPLEMENTED,
};

/**
 * Answers what the HTTP parser refused (control characters in a header, NUL in the request
 * line, bad chunked encoding, oversized headers, an unknown method) in the problem envelope
 * with the boundary headers, like any error, then closes the connection. The log line says
 * which refusal, never what arrived (the raw packet can carry credentials).
 */
function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  headers: Readonly<Record<string, string>>,
  logger: Logger,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  answerRaw(socket, (CLIENT_ERROR_PROBLEMS[error.code ?? ''] ?? RequestProblems.BAD_REQUEST)(), headers, logger, error.code ?? 'unknown');
}

/** A problem written straight to a socket no request object was made for (or that Node keeps for itself), then closed. */
function answerRaw(
  socket: Socket | null,
  problem: Problem,
  headers: Readonly<Record<string, string>>,
  logger: Logger,
  refusal: string,
): void {
  if (!socket || socket.destroyed) return;
  const requestId = newRequestId();
  logger.info({ reqId: requestId, status: problem.status, refusal }, 'request refused before routing');
  // A response already under way on this connection cannot be followed by another.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.end(rawProblemResponse(problem, requestId, headers), () => socket.destroy());
  else socket.destroy();
}

/**
 * The client address of a request, through the trusted proxies, also for the requests
 * Fastify hands to `frameworkErrors`: it builds those from its plain request class, whose
 * `ip` is the socket's whatever `trustProxy` says (every client behind the proxy would
 * share the proxy's budget). Read here with @fastify/proxy-addr, as Fastify reads it.
 */
function trustedAddressReader(trustedProxies: readonly string[]): (request: FastifyRequest) => string | undefined {
  if (trustedProxies.length === 0)
    return (request) => clientAddressOf({ ip: request.raw.socket.remoteAddress ?? '', socket: request.raw.socket });
  const trust = proxyAddr.compile([...trustedProxies]);
  return (request) => clientAddressOf({ ip: proxyAddr(request.raw, trust), socket: request.raw.socket });
}

/** Everything configured on the application object rather than in the module graph. */
export function configureHttpBoundary(app: NestFastifyApplication, config: AppConfig, routes: RouteMethodIndex): void {
  // JSON only: with our JSON parser registered first, Nest adds no urlencoded parser, and
  // Fastify's text/plain parser goes, so any other body is a 415. Decoded strictly as
  // UTF-8 and bounded in shape before anything (validation included) walks it.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // secure-json-parse (Fastify's own): `__proto__` and `constructor.prototype` keys refused.
  const parseText = (text: string): unknown => secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: BATCH_BODY_LIMIT }, (request, body, done) => {
    try {
      if (takesTokenBody(request.routeOptions.config)) return done(null, body);
      done(null, parseJsonBody(body, request.headers, bodyShapeFor(request.routeOptions.config), parseText));
    } catch (error) {
      done(error as Error);
    }
  });
  // A token route's body, as bytes, under the other names a compact JWS is sent with; any
  // other route answers them as before, 415.
  const tokenTypes = TOKEN_MEDIA_TYPES.filter((type) => type !== 'application/json');
  fastify.addContentTypeParser([...tokenTypes], { parseAs: 'buffer', bodyLimit: BATCH_BODY_LIMIT }, (request, body, done) => {
    if (takesTokenBody(request.routeOptions.config)) done(null, body);
    else done(HttpBoundaryProblems.UNSUPPORTED_MEDIA_TYPE());
  });
  const consoleOrigins = new Set(config.http.corsOrigins);
  const workspaceOrigins = app.get(WorkspaceOrigins);
  const steps = boundarySteps.get(fastify);
  if (!steps) throw new Error('the HTTP boundary is configured on the adapter createFastifyAdapter made');
  const cors = corsHookOf(fastify, { delegator: (request, done) => done(null, corsOptionsFor(request, consoleOrigins, workspaceOrigins)) });
  steps.cors = cors;
  // L1, the per-address limit, as the request arrives: a spent address's body is never read.
  // Then the Host check, so its refusals count too. A CORS preflight (answered by the CORS step itself, which ends the request) is answered
  // only once L1 has counted it; an OPTIONS without `Access-Control-Request-Method` is no
  // preflight and goes on to the router (404 / 405), never to @fastify/cors's text answer.
  const clientIpLimit = app.get(ClientIpLimit);
  const trustedAddressOf = trustedAddressReader(config.http.trustedProxies);
  steps.chargeRefusedEarly = (request, reply) => clientIpLimit.chargeAddress(trustedAddressOf(request), reply);
  // A worker instance (RINGFENCE_ROLE=worker) runs the deliveries and the scheduled jobs and
  // serves its health, its metrics and its jobs' state only: the API is the `api` and `all` instances'
  // (docs/adr/0021).
  const servesHealthOnly = config.role === 'worker';
  const workerRoute = (route: string | undefined) =>
    route !== undefined && (route.startsWith('/health/') || route === '/v1/admin/jobs' || route === '/metrics');
  const afterL1 = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    // HTTP/1.1 requires exactly one Host (RFC 9112 §3.2); Node answers its absence barely and
    // keeps the first of two. Refused here, once L1 has counted the request like any other.
    const { httpVersionMajor, httpVersionMinor } = request.raw;
    const hosts = countHostHeaders(request.raw.rawHeaders);
    if (hosts > 1 || (hosts === 0 && (httpVersionMajor > 1 || (httpVersionMajor === 1 && httpVersionMinor >= 1)))) {
      done(RequestProblems.BAD_REQUEST({ detail: 'An HTTP/1.1 request must carry exactly one Host header.' }));
    } else if (servesHealthOnly && !workerRoute(request.routeOptions.url)) {
      done(RequestProblems.NOT_FOUND({ detail: 'This instance is a worker: it serves /health, /metrics and /v1/admin/jobs only.' }));
    } else if (
      request.method === 'OPTIONS' &&
      request.headers.origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined
    )
      void cors.call(fastify, request, reply, done);
    else done();
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    if (skipsRateLimits(request.routeOptions.config)) return afterL1(request, reply, done);
    try {
      const admitted = clientIpLimit.charge(reply);
      if (admitted instanceof Promise) admitted.then(() => afterL1(request, reply, done), done);
      else afterL1(request, reply, done);
    } catch (error) {
      done(error as Error);
    }
  });
  steps.gate = requestGate(app.get(AccessGate), app.get(WorkspaceOriginCheck), app.get(WorkspaceLimit));
  app.useGlobalFilters(new ProblemDetailsFilter(routes));
  app.useGlobalPipes(createValidationPipe());
  declareRouteQueries(app);
}
