import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  type AddressLookup,
  type EndpointPolicy,
  type EndpointRefusalCode,
  checkEndpointUrl,
  resolveCheckedAddress,
} from '../ssrf/endpoint-guard';

/**
 * One outbound webhook delivery attempt (issue 16), no Nest: the URL is checked again, the
 * host resolved once, and the connection made to exactly the checked address (an IP given
 * to the socket, so nothing resolves the name a second time: DNS rebinding cannot move it).
 * Redirects are never followed, the response body is read up to 64 KiB, and a network fault
 * is an answer, never an exception. Nothing is logged: the caller records the attempt.
 */

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 15_000;

/**
 * `refused:<guard code>` (nothing was sent), `timeout` (connect or total timeout),
 * `connect` (the connection failed or broke before the response was read), `request` (the
 * request could not be built, e.g. an invalid header), `redirect` (a 3xx, not followed),
 * `http_<status>` (any other non-2xx status).
 */
export type DeliveryErrorClass = `refused:${EndpointRefusalCode}` | 'timeout' | 'connect' | 'request' | 'redirect' | `http_${number}`;

export interface DeliveryTimeouts {
  /** From the start of the TCP (and TLS) handshake to its end. */
  readonly connectMs?: number;
  /** The whole attempt: resolution, connection, request, response and body. */
  readonly totalMs?: number;
}

export interface DeliveryRequest {
  readonly url: string;
  /** Sent as given, except `host` and `content-length`, which the client sets. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly policy: EndpointPolicy;
  /** The resolver; `dns.promises.lookup` by default. Called at most once per attempt. */
  readonly lookup?: AddressLookup;
  readonly timeouts?: DeliveryTimeouts;
}

export interface DeliveryResult {
  readonly outcome: 'delivered' | 'failed';
  /** The response status, when one was received. */
  readonly status?: number;
  readonly latencyMs: number;
  /** The first `MAX_RESPONSE_BODY_BYTES` of the response body, as UTF-8 text. */
  readonly responseBody: string;
  /** True when the body was longer than the limit and the rest was never read. */
  readonly truncated: boolean;
  readonly errorClass?: DeliveryErrorClass;
  /** What the endpoint's `Retry-After` asked (delta-seconds or an HTTP date), in ms from now; absent when it sent none or nonsense. */
  readonly retryAfterMs?: number;
}

interface Exchange {
  readonly status?: number;
  readonly retryAfter?: string;
  readonly body: Buffer;
  readonly truncated: boolean;
  readonly errorClass?: DeliveryErrorClass;
}

/** Makes one delivery attempt; resolves for every network fault, never rejects for one. */
export async function deliverOnce(request: DeliveryRequest): Promise<DeliveryResult> {
  const started = performance.now();
  const connectMs = request.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const totalMs = request.timeouts?.totalMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const deadline = started + totalMs;
  const finish = (exchange: Exchange): DeliveryResult => {
    const status = exchange.status;
    const delivered = exchange.errorClass === undefined && status !== undefined && status >= 200 && status < 300;
    const errorClass = delivered ? undefined : (exchange.errorClass ?? classifyStatus(status));
    const retryAfterMs = delivered ? undefined : parseRetryAfter(exchange.retryAfter, Date.now());
    return {
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      outcome: delivered ? 'delivered' : 'failed',
      ...(status === undefined ? {} : { status }),
      latencyMs: Math.round(performance.now() - started),
      responseBody: exchange.body.toString('utf8'),
      truncated: exchange.truncated,
      ...(errorClass === undefined ? {} : { errorClass }),
    };
  };
  const empty = Buffer.alloc(0);

  const endpoint = checkEndpointUrl(request.url, request.policy);
  if (!endpoint.ok) return finish({ body: empty, truncated: false, errorClass: `refused:${endpoint.code}` });

  const resolved = await withDeadline(resolveCheckedAddress(endpoint.hostname, request.lookup, request.policy), deadline);
  if (resolved === 'timeout') return finish({ body: empty, truncated: false, errorClass: 'timeout' });
  if (!resolved.ok) return finish({ body: empty, truncated: false, errorClass: `refused:${resolved.code}` });

  const exchange = await send({
    url: endpoint.url,
    hostname: endpoint.hostname,
    isLiteral: endpoint.literalAddress !== null,
    port: endpoint.port,
    address: resolved.address,
    family: resolved.family,
    headers: request.headers,
    body: typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body,
    connectMs,
    remainingMs: Math.max(0, deadline - performance.now()),
  });
  return finish(exchange);
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent, unreadable or negative. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (text.length > 64) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function classifyStatus(status: number | undefined): DeliveryErrorClass {
  if (status === undefined) return 'connect';
  if (status >= 300 && status < 400) return 'redirect';
  return `http_${status}`;
}

async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

interface SendOptions {
  readonly url: URL;
  readonly hostname: string;
  readonly isLiteral: boolean;
  readonly port: number;
  readonly address: string;
  readonly family: 4 | 6;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly connectMs: number;
  readonly remainingMs: number;
}

function send(options: SendOptions): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let status: number | undefined;
    let retryAfter: string | undefined;
    let settled = false;
    let req: http.ClientRequest | undefined;
    let connectTimer: NodeJS.Timeout | undefined;

    const settle = (outcome: { truncated: boolean; errorClass?: DeliveryErrorClass }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      // Stop reading at once: whatever the sink still sends is never read.
      req?.destroy();
      resolve({
        ...(status === undefined ? {} : { status }),
        ...(retryAfter === undefined ? {} : { retryAfter }),
        body: Buffer.concat(chunks, received),
        truncated: outcome.truncated,
        ...(outcome.errorClass === undefined ? {} : { errorClass: outcome.errorClass }),
      });
    };
    const totalTimer = setTimeout(() => settle({ truncated: false, errorClass: 'timeout' }), options.remainingMs);

    const isHttps = options.url.protocol === 'https:';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers)) {
      const lower = name.toLowerCase();
      if (lower !== 'host' && lower !== 'content-length') headers[name] = value;
    }
    headers['host'] = options.url.host;
    headers['content-length'] = String(options.body.length);

    const requestOptions: https.RequestOptions = {
      method: 'POST',
      // The checked address itself, never the name: the socket does no lookup of its own.
      host: options.address,
      family: options.family,
      port: options.port,
      path: `${options.url.pathname}${options.url.search}`,
      headers,
      // A fresh connection per attempt: no pooled socket to a previously resolved address.
      agent: false,
      // TLS: SNI and certificate verification against the URL's hostname (SNI is not sent for IP literals).
      ...(isHttps && !options.isLiteral ? { servername: options.hostname } : {}),
    };
    try {
      req = (isHttps ? https : http).request(requestOptions);
    } catch {
      settle({ truncated: false, errorClass: 'request' });
      return;
    }

    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => settle({ truncated: false, errorClass: 'timeout' }), options.connectMs);
      socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', () => settle({ truncated: false, errorClass: 'connect' }));
    req.on('response', (res: http.IncomingMessage) => {
      status = res.statusCode;
      const asked = res.headers['retry-after'];
      if (typeof asked === 'string') retryAfter = asked;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = MAX_RESPONSE_BODY_BYTES - received;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          received += room;
          settle({ truncated: true });
          return;
        }
        chunks.push(chunk);
        received += chunk.length;
      });
      res.on('end', () => settle({ truncated: false }));
      res.on('aborted', () => settle({ truncated: false, errorClass: 'connect' }));
      res.on('error', () => settle({ truncated: false, errorClass: 'connect' }));
    });
    req.end(options.body);
  });
}
