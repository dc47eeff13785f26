import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { AppConfig } from '../../apps/api/src/config/app-config';
import { until } from './until';

/** One request a sink received. */
export interface SinkRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** How a sink answers a request (the default: 200 with a short body). */
export type SinkResponder = (request: SinkRequest, response: ServerResponse) => void;

/** A loopback HTTP receiver for webhook specs: it records what it receives and answers as told. */
export interface WebhookSink {
  readonly port: number;
  readonly url: (path?: string) => string;
  readonly received: SinkRequest[];
  respond(responder: SinkResponder): void;
  close(): Promise<void>;
}

export const answer =
  (status: number, body = '', headers: Record<string, string> = {}): SinkResponder =>
  (_request, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: SinkRequest[] = [];
  let responder: SinkResponder = answer(200, 'ok');
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
      const entry = { path: request.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      responder(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    respond: (next) => void (responder = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the `standardwebhooks` library makes of a received request with `secret` (it throws when the signature does not verify). */
export function verifiedBy(secret: string, request: SinkRequest): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': request.headers['webhook-id'] ?? '',
    'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
    'webhook-signature': request.headers['webhook-signature'] ?? '',
  });
}

/** Loopback sinks are refused everywhere but in specs; this is the one setting no variable can make. `ports`: the sinks' ports. */
export const loopbackSinks = (config: AppConfig, ports: readonly number[] = []): AppConfig => ({
  ...config,
  webhooks: { ...config.webhooks, endpointPolicy: { ...config.webhooks.endpointPolicy, allowLoopbackForTests: true, allowedPorts: ports } },
});

/**
 * The configuration with loopback sinks allowed (`allowLoopbackForTests`, the one setting no
 * variable can make) on the ports `ports()` names, read when the app boots.
 */
export const loopbackSinksOn =
  (ports: () => readonly number[]) =>
  (config: AppConfig): AppConfig =>
    loopbackSinks(config, ports());

/** Resolves once `condition` holds (the bounded wait of `until`); rejects naming `what` if it never does within `withinMs`. */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, withinMs = 25_000): Promise<void> {
  await until(what, condition, (held) => held, withinMs);
}
