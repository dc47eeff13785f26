import { JobRegistry } from '@ringfence/tenancy';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/** Forgot → queued → mailed link (hashed token, one hour, single use) → reset with the second factor. */
describe('password reset', () => {
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1', CONSOLE_URL: 'https://console.example.com' } });

  let ipCounter = 0;
  const forgot = (email: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/forgot',
      headers: { 'x-forwarded-for': `203.0.113.${(ipCounter += 1)}` },
      payload: { email },
    });
  const reset = (payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      headers: { 'x-forwarded-for': `203.0.113.${(ipCounter += 1)}` },
      payload,
    });
  const mails = (): string[] =>
    existsSync(t.mailDir)
      ? readdirSync(t.mailDir)
          .sort()
          .map((name) => readFileSync(join(t.mailDir, name), 'utf8'))
      : [];
  const linkTokenIn = (mail: string): string => /reset-password#token=([A-Za-z0-9_-]{43})/.exec(mail)![1]!;
  const requestLink = async (admin: TestAdmin): Promise<string> => {
    const before = mails().length;
    expect((await forgot(admin.email)).statusCode).toBe(202);
    await t.app.get(JobRegistry).runNow('mail-worker');
    const mail = mails()
      .slice(before)
      .find((text) => text.includes(`To: ${admin.email}`));
    expect(mail).toBeDefined();
    return linkTokenIn(mail!);
  };

  it('answers the same 202 for a known and an unknown email, and mails only the admin [V6.3.8 V14.2.1]', async () => {
    const admin = await t.newAdmin('admin');
    const before = mails().length;
    const known = await forgot(admin.email);
    const unknown = await forgot('nobody-here@example.com');
    for (const response of [known, unknown]) {
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ status: 'accepted', detail: 'If this email belongs to an admin, a reset link is on its way.' });
    }
    await t.app.get(JobRegistry).runNow('mail-worker');
    const sent = mails().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(`To: ${admin.email}`);
    expect(sent[0]).toMatch(/https:\/\/console\.example\.com\/reset-password#token=[A-Za-z0-9_-]{43}/);
    // A mail file may hold a reset link: this user's alone.
    for (const name of readdirSync(t.mailDir)) expect(statSync(join(t.mailDir, name)).mode & 0o777).toBe(0o600);
    // The queue keeps neither the address nor the link once handled; only a hash of the token is stored.
    const { rows: outbox } = await t.superuser.query(`SELECT status, sealed_payload FROM mail_outbox`);
    expect(outbox.every((row) => row.status === 'done' && row.sealed_payload === null)).toBe(true);
    const { rows: stored } = await t.superuser.query(`SELECT token_hash FROM admin_password_resets WHERE admin_id = $1`, [admin.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash.toString('base64url')).not.toBe(linkTokenIn(sent[0]!));
    const { rows: audit } = await t.superuser.query(
      `SELECT outcome, reason FROM audit_log WHERE action = 'auth.password_reset_request' ORDER BY id`,
    );
    expect(audit).toEqual([
      { outcome: 'success', reason: null },
      { outcome: 'failure', reason: 'unknown_email' },
    ]);
  });

  it('resets with the link and the second factor, once, and ends every session [V6.3.4 V6.4.3 V7.4.3]', async () => {
    const admin = await t.newAdmin('auditor');
    const token = await requestLink(admin);
    const newPassword = 'a completely new passphrase after reset';
    const withoutCode = await reset({ token, newPassword });
    expect(withoutCode.statusCode).toBe(400);
    expect(withoutCode.json()).toMatchObject({ code: 'RESET_REJECTED' });
    const wrongCode = await reset({ token, newPassword, code: '000000' });
    expect(wrongCode.statusCode).toBe(400);

    const done = await reset({ token, newPassword, code: admin.secondFactor() });
    expect(done.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers })).statusCode).toBe(401);
    expect((await reset({ token, newPassword: 'yet another new passphrase here', code: admin.secondFactor() })).statusCode).toBe(400);

    const login = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: newPassword } });
    expect(login.statusCode).toBe(200);
    const old = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: admin.password } });
    expect(old.statusCode).toBe(401);
  });

  it('refuses an expired link, a weak new password, and a link superseded by a newer one [V6.4.3]', async () => {
    const admin = await t.newAdmin('auditor');
    const first = await requestLink(admin);
    const second = await requestLink(admin);
    expect((await reset({ token: first, newPassword: 'a fine long passphrase indeed', code: admin.secondFactor() })).statusCode).toBe(400);
    const weak = await reset({ token: second, newPassword: 'password1234', code: admin.secondFactor() });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'newPassword' }] });
    await t.superuser.query(`UPDATE admin_password_resets SET expires_at = now() - interval '1 second' WHERE admin_id = $1`, [admin.id]);
    const expired = await reset({ token: second, newPassword: 'a fine long passphrase indeed', code: admin.secondFactor() });
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toMatchObject({ code: 'RESET_REJECTED' });
  });

  it('voids an outstanding link when the password changes', async () => {
    const admin = await t.newAdmin('auditor');
    const token = await requestLink(admin);
    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: admin.headers,
      payload: { currentPassword: admin.password, newPassword: 'a changed passphrase, not by reset' },
    });
    expect(change.statusCode).toBe(200);
    expect((await reset({ token, newPassword: 'a fine long passphrase indeed', code: admin.secondFactor() })).statusCode).toBe(400);
  });

  it('voids an outstanding link when the admin is disabled, so re-enabling does not revive it', async () => {
    const owner = await t.newAdmin('owner');
    const admin = await t.newAdmin('auditor');
    const token = await requestLink(admin);
    for (const status of ['disabled', 'active']) {
      const change = await t.app.inject({
        method: 'PATCH',
        url: `/v1/admin/admins/${admin.id}`,
        headers: owner.headers,
        payload: { status },
      });
      expect(change.statusCode).toBe(200);
    }
    expect((await reset({ token, newPassword: 'a fine long passphrase indeed', code: admin.secondFactor() })).statusCode).toBe(400);
  });

  it('stops a link after five wrong second factors [V6.4.3]', async () => {
    const admin = await t.newAdmin('auditor');
    const token = await requestLink(admin);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await reset({ token, newPassword: 'a fine long passphrase indeed', code: '000000' })).statusCode).toBe(400);
    }
    expect((await reset({ token, newPassword: 'a fine long passphrase indeed', code: admin.secondFactor() })).statusCode).toBe(400);
  });

  it('keeps a request whose mail could not be sent, sealed, for a later attempt', async () => {
    const admin = await t.newAdmin('auditor');
    const offline = await t.another({ env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1', RINGFENCE_ROLE: 'api' } });
    try {
      const response = await offline.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email: admin.email } });
      expect(response.statusCode).toBe(202);
      await offline.app.get(JobRegistry).runNow('mail-worker');
      const { rows } = await t.superuser.query(
        `SELECT status, attempts, last_error, sealed_payload IS NOT NULL AS sealed, next_attempt_at > now() AS later FROM mail_outbox WHERE status = 'pending'`,
      );
      expect(rows).toEqual([{ status: 'pending', attempts: 1, last_error: 'Error', sealed: true, later: true }]);
      expect(offline.rawLogs()).not.toContain(admin.email);
    } finally {
      await offline.close();
    }
  });

  it('refuses an address with a line break or a second recipient, for a reset and for a new admin, and mails nothing [V1.3.11]', async () => {
    const admin = await t.newAdmin('owner');
    const before = mails().length;
    for (const email of [
      `${admin.email}\r\nBcc: attacker@evil.example`,
      `${admin.email}\nSubject: forged`,
      `${admin.email}, attacker@evil.example`,
      `attacker@evil.example <${admin.email}>`,
    ]) {
      const refusedFields = (response: { statusCode: number; json: () => { errors?: { field: string }[] } }) => ({
        email,
        status: response.statusCode,
        fields: (response.json().errors ?? []).map((error) => error.field),
      });
      expect(refusedFields(await forgot(email))).toEqual({ email, status: 400, fields: ['email'] });
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/admins',
        headers: admin.headers,
        payload: { email, role: 'admin' },
      });
      expect(refusedFields(created)).toEqual({ email, status: 400, fields: ['email'] });
    }
    await t.app.get(JobRegistry).runNow('mail-worker');
    expect(mails().slice(before)).toEqual([]);
  });

  it('limits reset requests per email, known or not, whatever the address [V2.4.1 V6.3.1]', async () => {
    const admin = await t.newAdmin('auditor');
    for (const email of [admin.email, 'nobody-at-all@example.com']) {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await forgot(email)).statusCode);
      expect(statuses).toEqual([202, 202, 202, 429]);
    }
  });
});
