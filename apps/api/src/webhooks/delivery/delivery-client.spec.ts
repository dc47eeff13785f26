import type { LookupAddress } from 'node:dns';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AddressLookup, EndpointPolicy } from '../ssrf/endpoint-guard';
import { deliverOnce, MAX_RESPONSE_BODY_BYTES } from './delivery-client';

// Loopback sinks only: every sink listens on 127.0.0.1 and the policy's tests-only escape
// admits loopback (and nothing else the guard refuses).

interface Sink {
  readonly port: number;
  readonly url: string;
  readonly connections: () => number;
  readonly requests: http.IncomingMessage[];
  readonly bodies: string[];
  readonly close: () => Promise<void>;
}

const sinks: Sink[] = [];

async function startSink(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Sink> {
  const requests: http.IncomingMessage[] = [];
  const bodies: string[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    requests.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      handler(req, res);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sink: Sink = {
    port,
    url: `http://127.0.0.1:${port}/hook?x=1`,
    connections: () => connections,
    requests,
    bodies,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  sinks.push(sink);
  return sink;
}

function policyFor(...ports: number[]): EndpointPolicy {
  return { allowHttp: true, allowedPorts: ports, allowLoopbackForTests: true };
}

function fakeLookup(...answers: string[]): jest.Mock<Promise<readonly LookupAddress[]>, Parameters<AddressLookup>> {
  const lookup = jest.fn<Promise<readonly LookupAddress[]>, Parameters<AddressLookup>>();
  for (const address of answers) {
    lookup.mockResolvedValueOnce([{ address, family: address.includes(':') ? 6 : 4 }]);
  }
  return lookup;
}

const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1' };

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

describe('deliverOnce', () => {
  it('delivers to a sink answering 2xx, with the body, headers and Host of the URL', async () => {
    const sink = await startSink((_req, res) => res.writeHead(200).end('ok'));
    const result = await deliverOnce({ url: sink.url, headers, body: '{"a":1}', policy: policyFor(sink.port) });

    expect(result).toMatchObject({ outcome: 'delivered', status: 200, responseBody: 'ok', truncated: false });
    expect(result.errorClass).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(sink.bodies).toEqual(['{"a":1}']);
    expect(sink.requests[0]?.method).toBe('POST');
    expect(sink.requests[0]?.url).toBe('/hook?x=1');
    expect(sink.requests[0]?.headers['host']).toBe(`127.0.0.1:${sink.port}`);
    expect(sink.requests[0]?.headers['webhook-id']).toBe('msg_1');
  });

  it('fails a 500 with its status and response body', async () => {
    const sink = await startSink((_req, res) => res.writeHead(500).end('boom'));
    const result = await deliverOnce({ url: sink.url, headers, body: '{}', policy: policyFor(sink.port) });

    expect(result).toMatchObject({ outcome: 'failed', status: 500, errorClass: 'http_500', responseBody: 'boom', truncated: false });
  });

  it('does not follow a 302 to an internal address [V15.3.2]', async () => {
    const internal = await startSink((_req, res) => res.writeHead(200).end('internal'));
    const redirecting = await startSink((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/admin` }).end());
    const result = await deliverOnce({ url: redirecting.url, headers, body: '{}', policy: policyFor(redirecting.port, internal.port) });

    expect(result).toMatchObject({ outcome: 'failed', status: 302, errorClass: 'redirect' });
    expect(redirecting.requests).toHaveLength(1);
    expect(internal.connections()).toBe(0);
  });

  it('fails as a timeout when the sink accepts and never answers', async () => {
    const sink = await startSink(() => {
      // Never answers.
    });
    const result = await deliverOnce({ url: sink.url, headers, body: '{}', policy: policyFor(sink.port), timeouts: { totalMs: 300 } });

    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'timeout', responseBody: '', truncated: false });
    expect(result.status).toBeUndefined();
    expect(sink.requests).toHaveLength(1);
  });

  it('reads only 64 KiB of a 100 MB response and closes the connection', async () => {
    const total = 100 * 1024 * 1024;
    let resolveClosed: (state: { written: number; finished: boolean }) => void = () => undefined;
    const closed = new Promise<{ written: number; finished: boolean }>((resolve) => {
      resolveClosed = resolve;
    });
    const sink = await startSink((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let written = 0;
      res.on('close', () => resolveClosed({ written, finished: res.writableFinished }));
      res.writeHead(200, { 'content-length': String(total) });
      const pump = (): void => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (written >= total) res.end();
      };
      pump();
    });
    const result = await deliverOnce({ url: sink.url, headers, body: '{}', policy: policyFor(sink.port) });

    expect(result).toMatchObject({ outcome: 'delivered', status: 200, truncated: true });
    expect(Buffer.byteLength(result.responseBody)).toBe(MAX_RESPONSE_BODY_BYTES);
    const state = await closed;
    expect(state.finished).toBe(false);
    expect(state.written).toBeLessThan(total);
  });

  it('refuses a hostname resolving to a private address before any connection', async () => {
    const sink = await startSink((_req, res) => res.writeHead(200).end());
    const lookup = fakeLookup('10.0.0.5');
    const result = await deliverOnce({
      url: `http://hooks.example.test:${sink.port}/`,
      headers,
      body: '{}',
      policy: policyFor(sink.port),
      lookup,
    });

    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'refused:address_forbidden', truncated: false });
    expect(result.status).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(sink.connections()).toBe(0);
  });

  it('refuses a URL the guard refuses without resolving it', async () => {
    const lookup = fakeLookup('127.0.0.1');
    const result = await deliverOnce({ url: 'http://10.0.0.5/', headers, body: '{}', policy: policyFor(), lookup });

    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'refused:address_forbidden' });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('resolves once per attempt and connects to the checked address: a rebinding resolver cannot move it', async () => {
    const sink = await startSink((_req, res) => res.writeHead(204).end());
    // First answer allowed (loopback stands in for a public address here), every later one private.
    const lookup = fakeLookup('127.0.0.1', '10.0.0.5', '10.0.0.5', '10.0.0.5');
    const url = `http://hooks.example.test:${sink.port}/hook`;

    const first = await deliverOnce({ url, headers, body: '{}', policy: policyFor(sink.port), lookup });
    expect(first).toMatchObject({ outcome: 'delivered', status: 204 });
    // One resolution for the attempt: the socket was given the checked address, so neither
    // Node nor the system resolver asked again (the fake is the only resolver that knows the name).
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('hooks.example.test', { all: true, verbatim: true });
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]?.headers['host']).toBe(`hooks.example.test:${sink.port}`);

    const second = await deliverOnce({ url, headers, body: '{}', policy: policyFor(sink.port), lookup });
    expect(second).toMatchObject({ outcome: 'failed', errorClass: 'refused:address_forbidden' });
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(sink.connections()).toBe(1);
  });

  it('answers a refused connection as a failed attempt instead of throwing', async () => {
    const sink = await startSink((_req, res) => res.writeHead(200).end());
    const port = sink.port;
    await sink.close();
    sinks.splice(sinks.indexOf(sink), 1);
    const result = await deliverOnce({ url: `http://127.0.0.1:${port}/`, headers, body: '{}', policy: policyFor(port) });

    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'connect', truncated: false });
  });
});
