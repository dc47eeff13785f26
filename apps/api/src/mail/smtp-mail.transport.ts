import { Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { MailMessage, MailTransport } from '../admin-identity/password-reset/mail-transport';

/**
 * The longest a send may take, all its waits together: well inside the mail outbox's
 * five-minute lease, so a send ends (sent or failed) before another worker may claim its
 * row again, and a mail server cannot hold the mail worker's turn.
 */
export const MAIL_SEND_DEADLINE_MS = 120_000;

/** Nodemailer's own waits: to connect, to be greeted, and any one silence of the server. */
export interface SmtpWaits {
  readonly connectionTimeout: number;
  readonly greetingTimeout: number;
  readonly socketTimeout: number;
}
const SMTP_WAITS: SmtpWaits = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/** A send that reached its deadline; its connection was closed. */
export class MailSendTimeout extends Error {
  constructor(deadlineMs: number) {
    super(`the mail server did not take the message within ${deadlineMs} ms`);
    this.name = 'MailSendTimeout';
  }
}

/**
 * Production mail through SMTP (nodemailer). Its logger stays off: it would print bodies.
 *
 * The URL is parsed here and its settings laid over the options (a URL's own parameters
 * win): given { url, … }, nodemailer's createTransport keeps the URL's settings only and
 * drops every other option. Nodemailer's waits bound the connection,
 * the greeting and each silence, not a whole send: a server that keeps talking (a reply
 * of endless continuation lines, a byte now and then) would hold it forever. So every
 * send has a deadline of its own, which closes its connection (the socket is ours, handed
 * to nodemailer to connect and, as the URL asks, upgrade to TLS) and fails the send.
 */
export class SmtpMailTransport implements MailTransport {
  private readonly deadlineMs: number;
  private readonly waits: SmtpWaits;

  constructor(
    private readonly url: string,
    private readonly from: string,
    options: { sendDeadlineMs?: number; waits?: SmtpWaits } = {},
  ) {
    this.deadlineMs = options.sendDeadlineMs ?? MAIL_SEND_DEADLINE_MS;
    this.waits = options.waits ?? SMTP_WAITS;
  }

  async send(message: MailMessage): Promise<void> {
    // One transport per send, on a socket of this send's.
    const socket = new Socket();
    const transporter = createTransport({ logger: false, debug: false, ...this.waits, ...parseConnectionUrl(this.url), socket });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        socket.destroy();
        reject(new MailSendTimeout(this.deadlineMs));
      }, this.deadlineMs);
    });
    const sending = transporter.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
    // Past the deadline its own failure (the closed socket) comes later and is not the answer.
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, deadline]);
    } finally {
      clearTimeout(timer);
      transporter.close();
    }
  }
}
