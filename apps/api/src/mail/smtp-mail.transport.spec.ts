import { createServer, Server, Socket } from 'node:net';
import { SmtpMailTransport } from './smtp-mail.transport';

/**
 * A mail server that greets at once, then, to the first command, either says nothing more
 * or never stops talking: a reply of endless continuation lines ("250-…"), one every 50 ms,
 * so that no wait of nodemailer's ever expires (the greeting came, the socket is never silent).
 */
async function smtpServer(
  afterFirstCommand: 'trickle' | 'silence',
): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 trickle.test ESMTP\r\n');
    socket.once('data', () => {
      if (afterFirstCommand === 'silence') return;
      const drip = setInterval(() => socket.write('250-still thinking\r\n'), 50);
      socket.on('close', () => clearInterval(drip));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('SmtpMailTransport', () => {
  const message = { to: 'owner@example.com', subject: 'subject', text: 'text' };
  /** How a send ends: 'sent', its error's name, or 'still sending' after 3 s. */
  const outcomeOf = (sending: Promise<void>): Promise<unknown> =>
    Promise.race([
      sending.then(
        () => 'sent',
        (error: unknown) => (error instanceof Error ? error.name : 'thrown'),
      ),
      new Promise((resolve) => setTimeout(() => resolve('still sending'), 3000)),
    ]);
  /** Short waits, the production ones' shape. */
  const waits = { connectionTimeout: 300, greetingTimeout: 300, socketTimeout: 300 };

  it('ends a send by its deadline, and closes the connection, when the mail server keeps it going by trickling replies', async () => {
    const server = await smtpServer('trickle');
    try {
      const transport = new SmtpMailTransport(server.url, 'ringfence@example.com', { sendDeadlineMs: 500, waits });
      const started = Date.now();
      expect(await outcomeOf(transport.send(message))).toBe('MailSendTimeout');
      expect(Date.now() - started).toBeLessThan(2000);
      for (let polls = 0; polls < 100 && server.open() > 0; polls += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.open()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('gives its waits to nodemailer (createTransport({ url, … }) dropped them): a server silent after the greeting fails the send by socketTimeout', async () => {
    const server = await smtpServer('silence');
    try {
      const transport = new SmtpMailTransport(server.url, 'ringfence@example.com', { sendDeadlineMs: 10_000, waits });
      const started = Date.now();
      expect(await outcomeOf(transport.send(message))).toBe('Error'); // nodemailer's ETIMEDOUT, not the deadline
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });
});
