import { Provider } from '@nestjs/common';
import { MAIL_TRANSPORT } from '../admin-identity/password-reset/mail-transport';
import { AppConfig } from '../config/app-config';
import { FileMailTransport } from './file-mail.transport';
import { SmtpMailTransport } from './smtp-mail.transport';

/** The mail transport the configuration names. */
export function mailTransportProvider(config: AppConfig): Provider {
  const mail = config.mail;
  return {
    provide: MAIL_TRANSPORT,
    useFactory: () =>
      mail.transport === 'smtp' ? new SmtpMailTransport(mail.url, mail.from) : new FileMailTransport(mail.directory, mail.from),
  };
}
