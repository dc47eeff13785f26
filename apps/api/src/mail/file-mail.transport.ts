import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailMessage, MailTransport } from '../admin-identity/password-reset/mail-transport';

/**
 * Development mail: each message is a file under `<data dir>/mail`, readable by this
 * user only (it may hold a reset link). Never used in production unless asked for.
 */
export class FileMailTransport implements MailTransport {
  constructor(
    private readonly directory: string,
    private readonly from: string,
  ) {}

  send(message: MailMessage): Promise<void> {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
    const content = [`From: ${this.from}`, `To: ${message.to}`, `Subject: ${message.subject}`, '', message.text, ''].join('\r\n');
    writeFileSync(join(this.directory, name), content, { mode: 0o600, flag: 'wx' });
    return Promise.resolve();
  }
}
