import { createTransport, Transporter } from 'nodemailer';
import { MailMessage, MailTransport } from '../admin-identity/password-reset/mail-transport';

/**
 * Production mail through SMTP (nodemailer). Its logger stays off: it would print bodies.
 * Every wait is bounded, well inside the mail outbox's five-minute lease, so a send
 * ends (sent or failed) before another worker may claim its row again.
 */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Options, not message defaults (the second argument): a URL's own parameters still win.
    this.transporter = createTransport({ url, logger: false, debug: false, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transporter.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
}
