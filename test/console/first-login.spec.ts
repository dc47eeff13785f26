import { ScureBase32Plugin } from 'otplib';
import type { Browser } from 'playwright-core';
import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { Totp } from '../../apps/api/src/admin-identity/second-factor/totp';
import { useTestApp } from '../support/use-test-app';
import { consolePage, launchChromium, screenshot, seriousAxeViolations } from './support/console-browser';

const base32 = new ScureBase32Plugin();

/**
 * A new admin's first day, in Chromium against the app serving the built console: sign in
 * with the one-time password, enrol TOTP from the page's secret (codes computed here), keep
 * the recovery codes, replace the password under the strength meter, land on the console;
 * then reload (the session survives through the HttpOnly cookie) and sign out.
 */
describe('console: first login', () => {
  const t = useTestApp({ listen: true, env: { RINGFENCE_ROLE: 'api' } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('enrols TOTP, shows the recovery codes once, replaces the password, and keeps no token in storage [V3.3.1 V14.3.3]', async () => {
    const email = `first-${Date.now()}@example.com`;
    const { oneTimePassword } = await t.app.get(AdminBootstrap).create(email, 'admin');
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await page.goto('/console/');
      await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'sign-in');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(oneTimePassword);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.getByRole('heading', { name: 'Set up your account' }).waitFor();
      await page.getByRole('button', { name: 'Start enrolment' }).click();
      const secretText = (await page.getByTestId('totp-secret').textContent())!.trim();
      await page.getByRole('img', { name: 'QR code of your TOTP secret' }).waitFor(); // visible, or the step times out
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'totp-enrolment');
      const secret = Buffer.from(base32.decode(secretText));
      await page.getByLabel('Code from the app').fill(t.app.get(Totp).generate(secret, Date.now()));
      await page.getByRole('button', { name: 'Confirm' }).click();

      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      const codes = (await page.getByTestId('shown-once-value').textContent())!.trim().split('\n');
      expect(codes).toHaveLength(10);
      await page.getByRole('button', { name: 'Copy recovery codes' }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();

      await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
      await page.getByLabel('One-time password').fill(oneTimePassword);
      await page.getByLabel('New password', { exact: true }).fill('password123');
      await expect(page.getByTestId('password-strength').textContent()).resolves.toContain('not accepted yet');
      const newPassword = `violet ${Date.now()} harbour lantern quietly`;
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByTestId('password-strength').getByText(': accepted').waitFor();
      await page.getByRole('button', { name: 'Set my password' }).click();

      await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
      expect(page.url()).toBe(new URL('/console/workspaces', t.url).href);

      // Nothing but the CSRF token in storage; the refresh token is an HttpOnly cookie on /v1/auth.
      const storage = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
      expect(storage.local).toEqual({});
      expect(Object.keys(storage.session)).toEqual(['ringfence.csrf']);
      const cookies = await context.cookies();
      expect(cookies.map(({ name, httpOnly, path, sameSite }) => ({ name, httpOnly, path, sameSite }))).toEqual([
        { name: '__Secure-rf_refresh', httpOnly: true, path: '/v1/auth', sameSite: 'Strict' },
      ]);
      const html = await page.content();
      for (const code of codes) expect(html).not.toContain(code);

      // A reload resumes the session through the cookie.
      await page.reload();
      await page.getByRole('heading', { name: 'Workspaces' }).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
      expect(await page.evaluate(() => ({ ...sessionStorage }))).toEqual({});
      const refresh = await page.evaluate(
        async () =>
          (await fetch('/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
      );
      expect(refresh).toBe(401);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
