import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import Redis from 'ioredis';

/**
 * A real Redis for the specs whose subject is Redis: TEST_REDIS_URL, else the local
 * service on 6379, else a `redis-server` from PATH started for this file on a free port.
 * With none of them the spec fails and says so: there is no pretend Redis.
 */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  for (const url of [process.env.TEST_REDIS_URL, 'redis://127.0.0.1:6379'].filter((candidate): candidate is string => !!candidate)) {
    if (await answers(url)) return { url, stop: () => Promise.resolve() };
  }
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const port = await freePort();
    const server: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 50 && !(await answers(url)); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      url,
      stop: async () => {
        server.kill();
        await once(server, 'exit');
      },
    };
  }
  throw new Error('These specs need a real Redis: set TEST_REDIS_URL, run one on 127.0.0.1:6379, or put redis-server on PATH.');
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** A TCP relay in front of Redis that a test can cut and restore: an outage without touching the shared server. */
export class CuttableRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  static for(url: string): CuttableRelay {
    const { hostname, port } = new URL(url);
    return new CuttableRelay({ host: hostname, port: Number(port || 6379) });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Every connection dropped, new ones refused. */
  async cut(): Promise<void> {
    const closed = this.server ? new Promise((resolve) => this.server!.close(resolve)) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
