import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';

/**
 * A load balancer for the scale-out spec, as docker/nginx/scale.conf is one: HTTP, round robin
 * per request over its backends (keep-alive clients still spread), `X-Forwarded-For` set to the
 * client's address, a backend that refuses the connection skipped. `served` records which
 * backend (its index) answered each request, in order.
 */
export class RoundRobinProxy {
  readonly served: number[] = [];
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true });

  private readonly server: Server = createServer((req, res) => this.forward(req, res));

  private constructor(private readonly backends: readonly URL[]) {}

  static async start(backends: readonly URL[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(backends);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get url(): URL {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    return new URL(`http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private forward(req: IncomingMessage, res: ServerResponse, tried = 0): void {
    const index = this.next++ % this.backends.length;
    const backend = this.backends[index]!;
    const upstream = request(
      {
        host: backend.hostname,
        port: backend.port,
        method: req.method,
        path: req.url,
        agent: this.agent,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1' },
      },
      (answer) => {
        this.served.push(index);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Refused before anything was sent: the next backend (nginx's `proxy_next_upstream error`).
      if (error.code === 'ECONNREFUSED' && tried + 1 < this.backends.length && !res.headersSent) this.forward(req, res, tried + 1);
      else if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  }
}
