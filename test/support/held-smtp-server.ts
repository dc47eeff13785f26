import { createServer, Server, Socket } from 'node:net';

/**
 * Just enough of an SMTP server for nodemailer, which greets a connection only once the
 * test lets it (`greet()`): a mail server slow to answer, held for as long as the test needs.
 */
export class HeldSmtpServer {
  readonly received: string[] = [];
  private readonly sockets = new Set<Socket>();
  private released = false;
  private readonly waiting: (() => void)[] = [];
  private connected?: () => void;
  /** Resolves once a client has connected (and waits for its greeting). */
  readonly connection = new Promise<void>((resolve) => (this.connected = resolve));

  private readonly server: Server = createServer((socket) => this.serve(socket));

  private constructor() {}

  static async start(): Promise<HeldSmtpServer> {
    const smtp = new HeldSmtpServer();
    await new Promise<void>((resolve) => smtp.server.listen(0, '127.0.0.1', () => resolve()));
    return smtp;
  }

  get url(): string {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    return `smtp://127.0.0.1:${address.port}`;
  }

  /** The server answers from now on. */
  greet(): void {
    this.released = true;
    for (const go of this.waiting.splice(0)) go();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    this.connected?.();
    const start = (): void => {
      socket.write('220 held.test ESMTP\r\n');
      let buffer = '';
      let inData = false;
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              socket.write('250 queued\r\n');
            } else this.received.push(line);
            continue;
          }
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === 'EHLO' || verb === 'HELO') socket.write('250 held.test\r\n');
          else if (verb === 'DATA') {
            inData = true;
            socket.write('354 go ahead\r\n');
          } else if (verb === 'QUIT') socket.end('221 bye\r\n');
          else socket.write('250 ok\r\n');
        }
      });
    };
    if (this.released) start();
    else this.waiting.push(start);
  }
}
