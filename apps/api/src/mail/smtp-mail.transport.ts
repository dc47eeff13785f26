import { createTransport, Transporter } from 'nodemailer';
import { MailMessage, MailTransport } from '../admin-identity/password-reset/mail-transport';

/** Production mail through SMTP (nodemailer). Its logger stays off: it would print bodies. */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transporter = createTransport(url, { logger: false, debug: false });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transporter.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
}
