/** A message the service sends. Bodies may hold a one-time link: transports never log them. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: SMTP in production, files in development (apps/api/src/mail). */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
