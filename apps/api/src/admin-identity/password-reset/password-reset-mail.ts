import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { AesGcmCipher, declareSealedColumn } from '@ringfence/crypto';
import { defineOutboxTable, DeliveryOutcome, Job, jobPrincipal, Outbox, OutboxLease, OutboxRow, UnitOfWork } from '@ringfence/tenancy';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions, PASSWORD_RESET_TTL_MS } from '../admin-identity.options';
import { AdminDirectory } from '../admins/admin-directory';
import { newOpaqueToken } from '../tokens/opaque-token';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';

// A queued reset request's address is sealed until the worker mails it.
declareSealedColumn({ table: 'mail_outbox', column: 'sealed_payload', idColumn: 'id', aad: ({ id }) => mailOutboxAad(id) });

export const MAIL_WORKER_JOB = 'mail-worker';

type IssuedToken = ReturnType<typeof newOpaqueToken>;

/**
 * The mail outbox. A claim holds its row for five minutes, longer than a send can take
 * (the SMTP transport's two-minute deadline ends it sooner); five attempts, a minute apart at
 * first, doubling up to an hour.
 */
const MAIL_OUTBOX = defineOutboxTable<{ sealed_payload: Buffer }>({
  table: 'mail_outbox',
  payloadColumns: ['sealed_payload'],
  clearedWhenFinished: ['sealed_payload'],
  principal: jobPrincipal(MAIL_WORKER_JOB),
  maxAttempts: 5,
  leaseMs: 5 * 60_000,
  backoff: { firstMs: 60_000, maxMs: 60 * 60_000 },
  batch: 1,
});

/** A mail pass that left rows undelivered: the job's turn fails with it, so the job list (GET /v1/admin/jobs) and the log show it. */
class MailUndelivered extends Error {
  readonly code = 'MAIL_UNDELIVERED';

  constructor(count: number, lastErrorCode: string) {
    super(`${count} queued mail(s) could not be sent (last error: ${lastErrorCode})`);
    this.name = 'MailUndelivered';
  }
}

/**
 * The mail worker: delivers the password-reset requests queued in `mail_outbox`, through
 * the Outbox (claim, send with no transaction open, record). For each request it looks the
 * email up and, for an active admin, issues a single-use, one-hour token (stored hashed;
 * only the newest works) while it still holds the row, then mails the link; an unknown or
 * disabled address is finished with an audit row and no mail.
 */
@Injectable()
export class PasswordResetMail {
  constructor(
    private readonly outbox: Outbox,
    private readonly unitOfWork: UnitOfWork,
    private readonly cipher: AesGcmCipher,
    private readonly directory: AdminDirectory,
    private readonly audit: AuditWriter,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
  ) {}

  /** Every two seconds on worker instances, and at once when a request is queued there. */
  @Job({ name: MAIL_WORKER_JOB, scope: 'cluster', everyMs: 2000 })
  async deliverDue(signal: AbortSignal): Promise<void> {
    const pass = await this.outbox.deliverDue(MAIL_OUTBOX, (row, lease) => this.deliver(row, lease), signal);
    const undelivered = pass.retried + pass.failed;
    if (undelivered > 0) throw new MailUndelivered(undelivered, pass.lastErrorCode ?? 'Error');
  }

  private async deliver(row: OutboxRow<{ sealed_payload: Buffer }>, lease: OutboxLease): Promise<DeliveryOutcome> {
    const { email } = JSON.parse(this.cipher.decrypt(row.payload.sealed_payload, mailOutboxAad(row.id)).toString('utf8')) as {
      email: string;
    };
    const issued = await lease.holding(async () => {
      const found = await this.directory.findByEmail(email);
      // Locked, as a reset and a password change lock it: two deliveries for one admin (two
      // requests on two workers) issue one after the other, and the later voids the earlier.
      const admin = found && (await this.directory.findById(found.id, { lock: true }));
      if (!admin || admin.status !== 'active') return { admin, token: undefined };
      const manager = this.unitOfWork.manager;
      // Only the newest link works.
      await manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE admin_id = $1 AND used_at IS NULL`, [admin.id]);
      const token = newOpaqueToken();
      await manager.query(
        `INSERT INTO admin_password_resets (token_hash, admin_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
        [token.hash, admin.id, PASSWORD_RESET_TTL_MS / 1000],
      );
      return { admin, token };
    });
    const { admin, token } = issued;
    if (!admin || !token) {
      return {
        outcome: 'done',
        record: () =>
          this.audit.append({
            action: 'auth.password_reset_request',
            outcome: 'failure',
            reason: admin ? 'admin_disabled' : 'unknown_email',
            ...(admin ? { target: { type: 'admin', id: admin.id } } : {}),
          }),
      };
    }
    try {
      await this.transport.send({ to: admin.email, subject: 'Reset your Ringfence password', text: resetMailText(this.linkFor(token)) });
    } catch (error) {
      // A link that was not mailed must not stay usable; the next attempt issues another.
      return { outcome: 'retry', errorCode: errorName(error), record: () => this.voidToken(token) };
    }
    return {
      outcome: 'done',
      record: () =>
        this.audit.append({ action: 'auth.password_reset_request', outcome: 'success', target: { type: 'admin', id: admin.id } }),
    };
  }

  private linkFor(token: IssuedToken): string {
    return `${this.options.consoleUrl.replace(/\/+$/, '')}/reset-password#token=${token.token}`;
  }

  private async voidToken(token: IssuedToken): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL`, [
      token.hash,
    ]);
  }
}

/** The AAD of a queued request's sealed payload: bound to its row. */
export function mailOutboxAad(id: string): string {
  return `ringfence:mail_outbox.sealed_payload:${id}`;
}

// Transport errors can quote addresses or server replies: only the class is kept.
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function resetMailText(link: string): string {
  return [
    'Someone asked to reset the password of your Ringfence admin account.',
    '',
    `To choose a new password, open this link within one hour: ${link}`,
    '',
    'If it was not you, ignore this message; your password stays as it is.',
  ].join('\n');
}
