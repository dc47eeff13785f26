import { JobRegistry } from '@ringfence/tenancy';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { createAdminThroughRoutes } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/**
 * One admin's whole life (setup, sign-in, refresh, step-up, new recovery codes, password
 * change, reset, failures of each), then a search of every log line and every audit row
 * for every secret it handled: none may appear.
 */
describe('admin secrets never reach logs or the audit log', () => {
  const t = useTestApp({ env: { LOG_LEVEL: 'trace' } });

  it('keeps passwords, codes and tokens out of every log line and audit row [V6.5.2 V7.2.3 V16.2.5]', async () => {
    const secrets: string[] = [];
    const inject = t.app.inject.bind(t.app);

    const created = await t.app.get(AdminBootstrap).create('secretive@example.com', 'owner');
    secrets.push(created.oneTimePassword);
    // Through the setup routes: their secrets (one-time password, TOTP secret, codes, tokens) are searched for too.
    const admin = await createAdminThroughRoutes(t, 'owner');
    secrets.push(
      admin.password,
      admin.totpSecret.toString('base64'),
      // As the database would print a bytea in clear (row_to_json renders it as hex).
      admin.totpSecret.toString('hex'),
      ...admin.recoveryCodes,
      admin.session.accessToken,
      admin.session.refreshToken!,
    );

    const signedIn = await admin.signIn({ cookie: true });
    secrets.push(signedIn.accessToken, signedIn.csrfToken!, signedIn.setCookie!.split(';')[0]!.split('=')[1]!);
    const refreshed = (
      await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: admin.session.refreshToken } })
    ).json();
    secrets.push(refreshed.refreshToken, refreshed.accessToken);
    const headers = { authorization: `Bearer ${refreshed.accessToken}` };

    await inject({ method: 'POST', url: '/v1/auth/step-up', headers, payload: { code: '123456' } });
    await inject({ method: 'POST', url: '/v1/auth/step-up', headers, payload: { code: admin.secondFactor() } });
    const codes = (await inject({ method: 'POST', url: '/v1/auth/recovery-codes', headers })).json().recoveryCodes as string[];
    secrets.push(...codes);

    const newPassword = 'the new secret passphrase of this admin';
    secrets.push(newPassword);
    await inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers,
      payload: { currentPassword: 'wrong-current-password', newPassword },
    });
    await inject({ method: 'POST', url: '/v1/auth/password/change', headers, payload: { currentPassword: admin.password, newPassword } });
    await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: 'a wrong password typed here' } });
    secrets.push('a wrong password typed here');

    await inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email: admin.email } });
    await t.app.get(JobRegistry).runNow('mail-worker');
    const mail = readdirSync(t.mailDir)
      .map((name) => readFileSync(join(t.mailDir, name), 'utf8'))
      .join('\n');
    const resetToken = /token=([A-Za-z0-9_-]{43})/.exec(mail)![1]!;
    secrets.push(resetToken);
    const resetPassword = 'the reset passphrase of this admin';
    secrets.push(resetPassword);
    await inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token: resetToken, newPassword: resetPassword, code: codes[0] },
    });

    const logs = t.rawLogs();
    const { rows } = await t.superuser.query('SELECT row_to_json(a)::text AS row FROM audit_log a');
    const audit = rows.map((row) => row.row as string).join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    expect(audit).toContain('auth.password_reset');
    for (const secret of secrets) {
      expect({ secret, inLogs: logs.includes(secret) }).toEqual({ secret, inLogs: false });
      expect({ secret, inAudit: audit.includes(secret) }).toEqual({ secret, inAudit: false });
    }
    // Nor does the database hold any token or code in clear.
    const { rows: dump } = await t.superuser.query(`
      SELECT string_agg(t::text, ' ') AS text FROM (
        SELECT row_to_json(s)::text AS t FROM admin_sessions s UNION ALL
        SELECT row_to_json(r)::text FROM admin_refresh_tokens r UNION ALL
        SELECT row_to_json(c)::text FROM admin_recovery_codes c UNION ALL
        SELECT row_to_json(p)::text FROM admin_password_resets p UNION ALL
        SELECT row_to_json(m)::text FROM admin_mfa_challenges m UNION ALL
        SELECT row_to_json(a)::text FROM admins a) all_rows`);
    for (const secret of secrets)
      expect({ secret, inDatabase: (dump[0].text as string).includes(secret) }).toEqual({ secret, inDatabase: false });
  });
});
