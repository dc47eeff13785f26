import { JobRegistry } from '@ringfence/tenancy';
import { PasswordResetMail } from '../../apps/api/src/admin-identity/password-reset/password-reset-mail';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestAdmin } from '../support/admin-session';
import { HeldSmtpServer } from '../support/held-smtp-server';
import { createTestApp, TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/** Where no mail server listens: every send fails at once. */
const OFFLINE_SMTP = { MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1' };
/** One master key for every app here: what one instance queues (sealed), another delivers. */
const secretFiles = { 'master.v1.key': randomBytes(32).toString('base64') };

/**
 * The mail outbox through the Outbox helper: the worker claims a request, sends with no
 * transaction and no pooled connection held, and records the outcome in a second short
 * transaction; a failed send backs off and is retried, and the last failed attempt finishes
 * the request with nothing left of it. Every app here is an `api` instance: only the test
 * runs the mail worker's turns.
 */
describe('mail outbox', () => {
  const t = useTestApp({ secretFiles, env: { RINGFENCE_ROLE: 'api', CONSOLE_URL: 'https://console.example.com' } });

  const forgot = (app: TestApp, email: string) => app.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email } });
  const mailWorkerTurn = (app: TestApp) => app.app.get(JobRegistry).runNow('mail-worker');
  const outboxRows = async () =>
    (
      await t.superuser.query(
        `SELECT status, attempts, last_error, sealed_payload IS NOT NULL AS sealed, lease_token IS NOT NULL AS leased,
                finished_at IS NOT NULL AS finished, next_attempt_at > now() AS later
           FROM mail_outbox ORDER BY created_at`,
      )
    ).rows;
  /** The request becomes due at once, as if its back-off had passed. */
  const dueNow = () => t.superuser.query(`UPDATE mail_outbox SET next_attempt_at = now() WHERE status = 'pending'`);
  const resetTokens = async (admin: TestAdmin) =>
    (
      await t.superuser.query<{ live: boolean }>(
        `SELECT used_at IS NULL AS live FROM admin_password_resets WHERE admin_id = $1 ORDER BY created_at`,
        [admin.id],
      )
    ).rows;

  afterEach(async () => {
    await t.superuser.query('DELETE FROM mail_outbox');
  });

  it('sends with no transaction open and no pooled connection held: a pool of one serves while the mail server stalls [V15.2.2]', async () => {
    const smtp = await HeldSmtpServer.start();
    const mailing = await createTestApp(t.db, {
      secretFiles,
      env: {
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: smtp.url,
        RINGFENCE_ROLE: 'api',
        DATABASE_POOL_SIZE: '1',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '100',
      },
    }).catch(async (error: unknown) => {
      await smtp.close();
      throw error;
    });
    try {
      // Made on the other instance: the setup's own transactions pause longer than 100 ms (argon2, QR code).
      const owner = await t.newAdmin('owner');
      expect((await forgot(mailing, owner.email)).statusCode).toBe(202);
      const turn = mailWorkerTurn(mailing);
      await smtp.connection;
      const [{ since }] = (await t.superuser.query<{ since: Date }>('SELECT clock_timestamp() AS since')).rows as [{ since: Date }];
      // The server keeps the worker waiting past the idle-in-transaction timeout (100 ms), by the database's clock.
      await t.superuser.query('SELECT pg_sleep(0.3)');
      const { rows: open } = await t.superuser.query(
        `SELECT count(*)::int AS open FROM pg_stat_activity
          WHERE datname = current_database() AND usename = 'ringfence_app' AND xact_start <= $1`,
        [since],
      );
      expect(open).toEqual([{ open: 0 }]);
      // The pool's one connection serves requests meanwhile: a read, and a write.
      expect((await mailing.app.inject({ method: 'GET', url: '/v1/admin/workspaces', headers: owner.headers })).statusCode).toBe(200);
      expect((await forgot(mailing, 'nobody-here@example.com')).statusCode).toBe(202);

      smtp.greet();
      await turn;
      await mailWorkerTurn(mailing);
      expect(smtp.received.join('\n')).toContain('reset-password#token=');
      expect((await outboxRows()).map((row) => [row.status, row.attempts, row.sealed, row.leased])).toEqual([
        ['done', 1, false, false],
        ['done', 1, false, false],
      ]);
      expect(mailing.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
    } finally {
      smtp.greet();
      await mailing.close();
      await smtp.close();
    }
  });

  it('backs a failed send off, voids the link it did not send, and sends a working one on a later attempt', async () => {
    const admin = await t.newAdmin('auditor');
    const offline = await createTestApp(t.db, { secretFiles, env: { ...OFFLINE_SMTP, RINGFENCE_ROLE: 'api' } });
    try {
      expect((await forgot(offline, admin.email)).statusCode).toBe(202);
      const { rows: clock } = await t.superuser.query<{ before: Date }>('SELECT clock_timestamp() AS before');
      await mailWorkerTurn(offline);
      expect(await outboxRows()).toEqual([
        { status: 'pending', attempts: 1, last_error: 'Error', sealed: true, leased: false, finished: false, later: true },
      ]);
      expect(
        offline.app
          .get(JobRegistry)
          .status()
          .find((job) => job.name === 'mail-worker'),
      ).toMatchObject({
        consecutiveFailures: 1,
        lastError: { code: 'MAIL_UNDELIVERED' },
      });
      // The first back-off is half a minute to a minute (exponential, jittered, bounded), by the database's clock.
      const { rows: wait } = await t.superuser.query(
        `SELECT next_attempt_at >= $1::timestamptz + interval '30 seconds' AND next_attempt_at <= clock_timestamp() + interval '60 seconds' AS backed_off FROM mail_outbox`,
        [clock[0]!.before],
      );
      expect(wait).toEqual([{ backed_off: true }]);
      expect(await resetTokens(admin)).toEqual([{ live: false }]);
      // Not due yet: a turn now leaves it as it is.
      await mailWorkerTurn(offline);
      expect((await outboxRows()).map((row) => row.attempts)).toEqual([1]);
    } finally {
      await offline.close();
    }

    await dueNow();
    await mailWorkerTurn(t); // this instance mails through files
    expect((await outboxRows()).map((row) => [row.status, row.attempts, row.sealed])).toEqual([['done', 2, false]]);
    expect((await resetTokens(admin)).map((token) => token.live)).toEqual([false, true]);
    const mail = readdirSync(t.mailDir)
      .map((name) => readFileSync(join(t.mailDir, name), 'utf8'))
      .find((text) => text.includes(`To: ${admin.email}`))!;
    const token = /reset-password#token=([A-Za-z0-9_-]{43})/.exec(mail)![1]!;
    const reset = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token, newPassword: 'a fine long passphrase after a retry', code: admin.secondFactor() },
    });
    expect(reset.statusCode).toBe(204);
  });

  it('finishes a request as failed after its last attempt, keeping neither its address nor a usable link, and logs each failed turn without them', async () => {
    const admin = await t.newAdmin('auditor');
    const offline = await createTestApp(t.db, { secretFiles, env: { ...OFFLINE_SMTP, RINGFENCE_ROLE: 'api' } });
    try {
      expect((await forgot(offline, admin.email)).statusCode).toBe(202);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        await mailWorkerTurn(offline);
        await dueNow();
      }
      expect(await outboxRows()).toEqual([
        { status: 'failed', attempts: 5, last_error: 'Error', sealed: false, leased: false, finished: true, later: false },
      ]);
      // Every link it issued was voided as its send failed.
      expect(await resetTokens(admin)).toEqual(Array.from({ length: 5 }, () => ({ live: false })));
      // A sixth turn finds nothing to do.
      await mailWorkerTurn(offline);
      expect((await outboxRows()).map((row) => row.attempts)).toEqual([5]);

      const failures = offline.logs.filter((line) => line.msg === 'job mail-worker failed');
      expect(failures.map((line) => line.errorCode)).toEqual([
        'MAIL_UNDELIVERED',
        'MAIL_UNDELIVERED',
        'MAIL_UNDELIVERED',
        'MAIL_UNDELIVERED',
        'MAIL_UNDELIVERED',
      ]);
      expect(offline.rawLogs()).not.toContain(admin.email);
      expect(offline.rawLogs()).not.toContain('reset-password#token');
    } finally {
      await offline.close();
    }
  });

  it('leaves one working link when two workers issue links for one admin at once (two requests, two instances)', async () => {
    const admin = await t.newAdmin('auditor');
    expect((await forgot(t, admin.email)).statusCode).toBe(202);
    expect((await forgot(t, admin.email)).statusCode).toBe(202);
    const mail = t.app.get(PasswordResetMail);
    const holder = await t.db.connect(t.db.adminUrl);
    try {
      // Both workers reach the issuing at the same moment: each voids the links it can see, then adds its own.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE admin_password_resets IN SHARE MODE');
      const workers = [mail.deliverDue(new AbortController().signal), mail.deliverDue(new AbortController().signal)];
      for (let polls = 0; polls < 300; polls += 1) {
        const { rows } = await t.superuser.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND usename = 'ringfence_app' AND wait_event_type = 'Lock'`,
        );
        if (rows[0]!.waiting >= 2 || (await outboxRows()).every((row) => row.status === 'done')) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await holder.query('COMMIT');
      await Promise.all(workers);
    } finally {
      await holder.end();
    }
    expect((await outboxRows()).map((row) => row.status)).toEqual(['done', 'done']);
    // Two mails went out; only the newer link works.
    expect((await resetTokens(admin)).filter((token) => token.live)).toHaveLength(1);
  });
});
