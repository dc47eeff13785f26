import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditWriter, SecurityEvents } from '@ringfence/audit';
import { AesGcmCipher, declareSealedColumn } from '@ringfence/crypto';
import { ATTEMPT_BUDGETS, AttemptLimiter } from '@ringfence/limits';
import { ANONYMOUS, logJobFailure, Principal, RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { assertAcceptable } from '../account/own-account';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions, PASSWORD_RESET_MAX_FAILURES, PASSWORD_RESET_TTL_MS } from '../admin-identity.options';
import { AdminIdentityProblems } from '../admin-identity.problems';
import { AdminDirectory, normaliseEmail } from '../admins/admin-directory';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicy } from '../passwords/password-policy';
import { SecondFactor } from '../second-factor/second-factor';
import { AdminSessions } from '../sessions/admin-sessions';
import { isOpaqueToken, newOpaqueToken, opaqueTokenHash } from '../tokens/opaque-token';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';

// A queued reset request's address is sealed until the worker mails it.
declareSealedColumn({ table: 'mail_outbox', column: 'sealed_payload', idColumn: 'id', aad: ({ id }) => outboxAad(id) });

const MAIL_WORKER: Principal = { kind: 'system', process: 'mail-worker' };
const MAX_MAIL_ATTEMPTS = 5;
const POLL_INTERVAL_MS = 2000;

/**
 * Forgotten passwords. A request is only queued (the same insert whoever the email
 * belongs to, so the answer and its timing say nothing); the mail worker looks the
 * email up, issues a single-use, one-hour token (stored hashed) and mails the link. A
 * reset needs the second factor when one is enrolled, and ends every session.
 */
@Injectable()
export class PasswordResets implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PasswordResets.name);
  private timer?: NodeJS.Timeout;
  /** Passes run one after another; a pass asked for while one runs comes after it, so no job waits for the timer. */
  private passes: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly cipher: AesGcmCipher,
    private readonly directory: AdminDirectory,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly secondFactor: SecondFactor,
    private readonly sessions: AdminSessions,
    private readonly limiter: AttemptLimiter,
    private readonly audit: AuditWriter,
    private readonly events: SecurityEvents,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.runMailWorker) return;
    this.timer = setInterval(() => this.kick(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.passes.catch(() => undefined);
  }

  /** Queues a reset request for `email`, known or not. */
  async request(email: string): Promise<void> {
    await this.limiter.enforce([
      [ATTEMPT_BUDGETS.forgotPerIp, this.context.clientIp ?? 'unknown'],
      [ATTEMPT_BUDGETS.forgotPerAccount, normaliseEmail(email)],
    ]);
    const id = randomUUID();
    const payload = this.cipher.encrypt(Buffer.from(JSON.stringify({ email: normaliseEmail(email) })), outboxAad(id));
    await this.unitOfWork.run(
      () => this.unitOfWork.manager.query(`INSERT INTO mail_outbox (id, kind, sealed_payload) VALUES ($1, 'password_reset_request', $2)`, [id, payload]),
      { principal: ANONYMOUS },
    );
    this.kick();
  }

  /** Handles every due request; resolves with how many this pass handled. The worker's timer calls it too. */
  drain(): Promise<number> {
    const pass = async (): Promise<number> => {
      let handled = 0;
      while (await this.handleOne()) handled += 1;
      return handled;
    };
    this.passes = this.passes.then(pass, pass);
    return this.passes;
  }

  async reset(token: string, newPassword: string, code: string | undefined): Promise<void> {
    await this.limiter.enforce([[ATTEMPT_BUDGETS.resetPerIp, this.context.clientIp ?? 'unknown']]);
    const refused = AdminIdentityProblems.RESET_REJECTED();
    if (!isOpaqueToken(token)) {
      await this.events.record({ action: 'auth.password_reset', outcome: 'failure', reason: 'malformed_token' }, ANONYMOUS);
      throw refused;
    }
    const hash = opaqueTokenHash(token);
    const done = await this.unitOfWork.run(
      async (): Promise<boolean> => {
        const manager = this.unitOfWork.manager;
        const [row]: { admin_id: string; failures: number }[] = await manager.query(
          `SELECT admin_id, failures FROM admin_password_resets
            WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND failures < $2 FOR UPDATE`,
          [hash, PASSWORD_RESET_MAX_FAILURES],
        );
        const admin = row && (await this.directory.findById(row.admin_id, { lock: true }));
        if (!row || !admin || admin.status !== 'active') {
          await this.audit.append({
            action: 'auth.password_reset',
            outcome: 'failure',
            reason: row ? 'admin_disabled' : 'unknown_used_or_expired_token',
            ...(row ? { target: { type: 'admin', id: row.admin_id } } : {}),
          });
          return false;
        }
        assertAcceptable(this.policy, newPassword, admin.email, 'newPassword');
        if (admin.totpEnabled && !(code && (await this.secondFactor.verify(admin, code)))) {
          await manager.query(`UPDATE admin_password_resets SET failures = failures + 1 WHERE token_hash = $1`, [hash]);
          await this.audit.append({
            action: 'auth.password_reset',
            outcome: 'failure',
            reason: code ? 'wrong_second_factor' : 'second_factor_missing',
            target: { type: 'admin', id: admin.id },
          });
          return false;
        }
        await this.directory.setPassword(admin.id, await this.hasher.hash(newPassword), { mustChange: false });
        await manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE token_hash = $1`, [hash]);
        const ended = await this.sessions.revokeAll(admin.id, 'password_reset');
        await this.audit.append({
          action: 'auth.password_reset',
          outcome: 'success',
          target: { type: 'admin', id: admin.id },
          after: { password: 'reset', sessionsEnded: ended },
        });
        return true;
      },
      { principal: ANONYMOUS },
    );
    if (!done) throw refused;
  }

  /** Starts a pass (the timer's run and a new request's): never rejects; a failure is logged unless it is the database's outage. */
  kick(): void {
    this.drain().catch((error: unknown) => logJobFailure(this.logger, error, 'mail worker failed'));
  }

  private async handleOne(): Promise<boolean> {
    return this.unitOfWork.run(
      async () => {
        const manager = this.unitOfWork.manager;
        const [job]: { id: string; sealed_payload: Buffer; attempts: number }[] = await manager.query(
          `SELECT id, sealed_payload, attempts FROM mail_outbox
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!job) return false;
        const { email } = JSON.parse(this.cipher.decrypt(job.sealed_payload, outboxAad(job.id)).toString('utf8')) as { email: string };
        const admin = await this.directory.findByEmail(email);
        if (!admin || admin.status !== 'active') {
          await this.finish(job.id, 'done');
          await this.audit.append({
            action: 'auth.password_reset_request',
            outcome: 'failure',
            reason: admin ? 'admin_disabled' : 'unknown_email',
            ...(admin ? { target: { type: 'admin', id: admin.id } } : {}),
          });
          return true;
        }
        // Only the newest link works.
        await manager.query(`UPDATE admin_password_resets SET used_at = now() WHERE admin_id = $1 AND used_at IS NULL`, [admin.id]);
        const token = newOpaqueToken();
        await manager.query(
          `INSERT INTO admin_password_resets (token_hash, admin_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
          [token.hash, admin.id, PASSWORD_RESET_TTL_MS / 1000],
        );
        // A mail sent is not unsent: from here on a conflict is not answered by running the job again at once.
        this.unitOfWork.markIrreversible();
        try {
          await this.transport.send({
            to: admin.email,
            subject: 'Reset your Ringfence password',
            text: resetMailText(`${this.options.consoleUrl.replace(/\/+$/, '')}/reset-password#token=${token.token}`),
          });
        } catch (error) {
          const attempts = job.attempts + 1;
          if (attempts >= MAX_MAIL_ATTEMPTS) await this.finish(job.id, 'failed', error);
          else {
            await manager.query(
              `UPDATE mail_outbox SET attempts = $2, next_attempt_at = now() + make_interval(secs => $3), last_error = $4 WHERE id = $1`,
              [job.id, attempts, 30 * 2 ** attempts, errorName(error)],
            );
          }
          return true;
        }
        await this.finish(job.id, 'done');
        await this.audit.append({ action: 'auth.password_reset_request', outcome: 'success', target: { type: 'admin', id: admin.id } });
        return true;
      },
      // The transaction waits on the mail server between statements: the long-running
      // allowance, so a slow server is not cut off by the idle-in-transaction timeout.
      { principal: MAIL_WORKER, longRunning: true },
    );
  }

  /** A finished job keeps no payload: the address and the link are gone from the database. */
  private async finish(id: string, status: 'done' | 'failed', error?: unknown): Promise<void> {
    await this.unitOfWork.manager.query(
      `UPDATE mail_outbox SET status = $2, sealed_payload = NULL, finished_at = now(), attempts = attempts + 1, last_error = $3 WHERE id = $1`,
      [id, status, error ? errorName(error) : null],
    );
  }
}

function outboxAad(id: string): string {
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
