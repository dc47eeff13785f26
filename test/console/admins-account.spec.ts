import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import type { TestAdmin } from '../support/admin-session';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { consolePage, launchChromium, screenshot, seriousAxeViolations } from './support/console-browser';
import { signInThroughConsole } from './support/console-sign-in';

const LAST_OWNER_WORDS = 'This is the last active owner, and Ringfence always keeps at least one';

/**
 * The Admins screen (owners) and the Own account screen (every admin), in Chromium against
 * the app serving the built console: what each shows, what each changes (checked in the
 * database and through the API), step-up asked for and given (or refused) in the page, and
 * the secrets the API shows once gone from the page once dismissed.
 */
describe('console: admins and own account', () => {
  const t = useTestApp({ listen: true, env: { RINGFENCE_ROLE: 'api' } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** Signs `admin` in through the console's page and returns the id of the session the console holds. */
  async function signInForSession(page: Page, admin: TestAdmin, path: string, heading: string): Promise<string> {
    const mfa = page.waitForResponse((response) => response.url().endsWith('/v1/auth/mfa') && response.request().method() === 'POST');
    await signInThroughConsole(page, admin, { path, heading });
    return ((await (await mfa).json()) as { sessionId: string }).sessionId;
  }

  async function adminRow(email: string): Promise<{ role: string; status: string } | undefined> {
    const { rows } = await t.superuser.query<{ role: string; status: string }>('SELECT role, status FROM admins WHERE email = $1', [email]);
    return rows[0];
  }

  /** The console session's second factor, ten minutes old: past the step-up window. */
  async function makeSecondFactorStale(sessionId: string): Promise<void> {
    const { rowCount } = await t.superuser.query(
      `UPDATE admin_sessions SET second_factor_at = now() - interval '10 minutes' WHERE id = $1`,
      [sessionId],
    );
    expect(rowCount).toBe(1);
  }

  it('creates an admin (one-time password shown once), changes its role, disables it, explains the last-owner rule, and steps up in the page', async () => {
    const owner = await t.newAdmin('owner');
    const { rows: owners } = await t.superuser.query<{ count: string }>(
      `SELECT count(*) FROM admins WHERE role = 'owner' AND status = 'active'`,
    );
    expect(owners[0]!.count).toBe('1');
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      const sessionId = await signInForSession(page, owner, '/admins', 'Admins');
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Admins' }).waitFor(); // visible, or the step times out
      await page.getByRole('row', { name: new RegExp(`${owner.email} \\(you\\)`) }).waitFor(); // visible, or the step times out
      expect(await seriousAxeViolations(page)).toEqual([]);

      // Create: the one-time password is shown once, with how to hand it over.
      const email = `ops-${Date.now()}@example.com`;
      await page.getByRole('button', { name: 'Create an admin' }).click();
      await page.getByRole('heading', { name: 'New admin' }).waitFor();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Role', { exact: true }).selectOption('admin');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create admin' }).click();
      await page.getByRole('heading', { name: `${email} can now sign in as admin` }).waitFor();
      await page.getByText('out of band').waitFor(); // visible, or the step times out
      const oneTimePassword = (await page.getByTestId('shown-once-value').textContent())!.trim();
      expect(oneTimePassword).toMatch(/^[\w-]{20,}$/);
      await page.getByRole('button', { name: 'Copy one-time password' }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(oneTimePassword);
      expect(await seriousAxeViolations(page)).toEqual([]);
      // It is the password the new admin signs in with (a setup session: TOTP and their own password to come).
      const firstLogin = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: oneTimePassword } });
      expect([firstLogin.statusCode, firstLogin.json<{ status: string }>().status]).toEqual([200, 'setup_required']);
      await page.getByRole('button', { name: 'I have handed it over' }).click();
      await page.getByRole('heading', { name: `${email} can now sign in as admin` }).waitFor({ state: 'detached' });
      expect(await page.content()).not.toContain(oneTimePassword);
      const row = page.getByRole('row', { name: new RegExp(email) });
      await expect(row.textContent()).resolves.toMatch(/Admin.*Active.*Not yet/);
      expect(await adminRow(email)).toEqual({ role: 'admin', status: 'active' });

      // Change its role.
      await page.getByRole('button', { name: `Change role of ${email}` }).click();
      const roleDialog = page.getByRole('dialog', { name: `Change the role of ${email}` });
      await roleDialog.waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await roleDialog.getByLabel('New role').selectOption('auditor');
      await roleDialog.getByRole('button', { name: 'Save role' }).click();
      await roleDialog.waitFor({ state: 'detached' });
      await row.getByText('Auditor').waitFor();
      expect(await adminRow(email)).toEqual({ role: 'auditor', status: 'active' });

      // Disable it, confirmed.
      await page.getByRole('button', { name: `Disable ${email}` }).click();
      const disableDialog = page.getByRole('dialog', { name: `Disable ${email}?` });
      await disableDialog.waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await disableDialog.getByRole('button', { name: 'Disable admin' }).click();
      await disableDialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: `Enable ${email}` }).waitFor();
      await expect(row.textContent()).resolves.toContain('Disabled');
      expect(await adminRow(email)).toEqual({ role: 'auditor', status: 'disabled' });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'admins');

      // The last owner can neither demote nor disable themselves: the refusal says why.
      await page.getByRole('button', { name: `Change role of ${owner.email}` }).click();
      const ownRole = page.getByRole('dialog', { name: 'Change your own role' });
      await ownRole.getByLabel('New role').selectOption('admin');
      await ownRole.getByText('Without the owner role you can no longer manage admins').waitFor();
      await ownRole.getByRole('button', { name: 'Save role' }).click();
      await expect(ownRole.getByRole('alert').textContent()).resolves.toContain(LAST_OWNER_WORDS);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await ownRole.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: `Disable ${owner.email}` }).click();
      const ownDisable = page.getByRole('dialog', { name: 'Disable your own account?' });
      await ownDisable.getByRole('button', { name: 'Disable admin' }).click();
      await expect(ownDisable.getByRole('alert').textContent()).resolves.toContain(LAST_OWNER_WORDS);
      await ownDisable.getByRole('button', { name: 'Cancel' }).click();
      expect(await adminRow(owner.email)).toEqual({ role: 'owner', status: 'active' });

      // Step-up: with the session's second factor stale, creating an admin asks for a code, then completes by itself.
      await makeSecondFactorStale(sessionId);
      const stepped = `audit-${Date.now()}@example.com`;
      await page.getByRole('button', { name: 'Create an admin' }).click();
      await page.getByLabel('Email').fill(stepped);
      await page.getByLabel('Role', { exact: true }).selectOption('auditor');
      await page.getByRole('button', { name: 'Create admin' }).click();
      const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
      await stepUp.waitFor();
      expect(await adminRow(stepped)).toBeUndefined();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await stepUp.getByLabel('Code').fill(owner.secondFactor());
      await stepUp.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { name: `${stepped} can now sign in as auditor` }).waitFor();
      await stepUp.waitFor({ state: 'detached' });
      expect(await adminRow(stepped)).toEqual({ role: 'auditor', status: 'active' });
      await page.getByRole('button', { name: 'I have handed it over' }).click();

      // Cancelling the step-up fails the action with the route's answer, said in words.
      await makeSecondFactorStale(sessionId);
      await page.getByRole('button', { name: `Change role of ${stepped}` }).click();
      const steppedRole = page.getByRole('dialog', { name: `Change the role of ${stepped}` });
      await steppedRole.getByLabel('New role').selectOption('admin');
      await steppedRole.getByRole('button', { name: 'Save role' }).click();
      await stepUp.waitFor();
      // Both dialogs open, one over the other.
      expect(await seriousAxeViolations(page)).toEqual([]);
      await stepUp.getByRole('button', { name: 'Cancel' }).click();
      await expect(steppedRole.getByRole('alert').textContent()).resolves.toContain(
        'This action needs a fresh second factor, and none was given.',
      );
      expect(await adminRow(stepped)).toEqual({ role: 'auditor', status: 'active' });
      await steppedRole.getByRole('button', { name: 'Cancel' }).click();
      await steppedRole.waitFor({ state: 'detached' });
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('lists this session among the others, ends one and then all others, changes the password, and shows new recovery codes once [V6.2.2 V6.2.3 V7.4.3]', async () => {
    const admin = await t.newAdmin('admin');
    const other = await admin.signIn({ userAgent: 'Ringfence spec laptop' });
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await signInForSession(page, admin, '/account', 'Your account');
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admins' }).count()).resolves.toBe(0);
      await page.getByText(admin.email).first().waitFor(); // visible, or the step times out

      // Three sessions: the factory's, the laptop's, and this page's, marked as this one.
      const sessions = page.getByRole('table', { name: 'Your sessions' });
      const rowsShown = (count: number) =>
        until(
          `the sessions table shows ${count} rows`,
          () => sessions.getByRole('row').count(),
          (shown) => shown === count,
        );
      await sessions.getByText('Ringfence spec laptop').waitFor();
      await rowsShown(4);
      const current = sessions.getByRole('row').filter({ hasText: 'This session' });
      await expect(current.count()).resolves.toBe(1);
      const userAgent = await page.evaluate(() => navigator.userAgent);
      await expect(current.textContent()).resolves.toContain(userAgent);
      await expect(current.getByRole('button').count()).resolves.toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'account');

      // End the laptop's session: its tokens stop working.
      await sessions
        .getByRole('row')
        .filter({ hasText: 'Ringfence spec laptop' })
        .getByRole('button', { name: /^End the session of/ })
        .click();
      await page.getByRole('status').filter({ hasText: 'Ended the session of' }).waitFor();
      await sessions.getByText('Ringfence spec laptop').waitFor({ state: 'detached' });
      const laptopRefresh = await t.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: other.refreshToken } });
      expect(laptopRefresh.statusCode).toBe(401);
      const me = (authorization: string) => t.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization } });
      expect((await me(`Bearer ${other.accessToken}`)).statusCode).toBe(401);

      // End all others: the factory's session goes too.
      expect((await me(`Bearer ${admin.session.accessToken}`)).statusCode).toBe(200);
      await page.getByRole('button', { name: 'End all other sessions' }).click();
      await page.getByRole('status').filter({ hasText: 'Ended 1 other session.' }).waitFor();
      await rowsShown(2);
      expect((await me(`Bearer ${admin.session.accessToken}`)).statusCode).toBe(401);

      // Change the password: refused with a wrong current one; then every other session ends.
      const phone = await admin.signIn({ userAgent: 'Ringfence spec phone' });
      const passwordForm = page.getByRole('form', { name: 'Password' });
      await passwordForm.getByLabel('Current password').fill('not the password at all');
      await passwordForm.getByLabel('New password').fill('password123');
      await expect(passwordForm.getByTestId('password-strength').textContent()).resolves.toContain('not accepted yet');
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
      await expect(passwordForm.getByRole('alert').textContent()).resolves.toContain('newPassword');
      const newPassword = `amber ${Date.now()} lighthouse orchard slowly`;
      await passwordForm.getByLabel('New password').fill(newPassword);
      await passwordForm.getByTestId('password-strength').getByText(': accepted').waitFor();
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
      await passwordForm.getByRole('alert').filter({ hasText: 'The current password is not right.' }).waitFor();
      await passwordForm.getByLabel('Current password').fill(admin.password);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
      await passwordForm.getByRole('status').filter({ hasText: 'Every other session of yours has ended' }).waitFor();
      expect((await me(`Bearer ${phone.accessToken}`)).statusCode).toBe(401);
      const login = (password: string) => t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password } });
      expect((await login(admin.password)).statusCode).toBe(401);
      expect((await login(newPassword)).statusCode).toBe(200);
      admin.password = newPassword;
      // This session goes on, through a reload too (its refresh cookie still works).
      await page.reload();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      await sessions.getByText('This session').waitFor();
      await rowsShown(2);

      // New recovery codes, shown once, with a download; the old set stops working.
      const oldCode = admin.recoveryCodes.at(-1)!;
      await page.getByRole('button', { name: 'Regenerate recovery codes' }).click();
      const shown = page.locator('.shown-once');
      await shown.waitFor();
      const codes = (await shown.getByTestId('shown-once-value').textContent())!.trim().split('\n');
      expect(codes).toHaveLength(10);
      expect(codes).not.toContain(oldCode);
      const download = page.waitForEvent('download');
      await shown.getByRole('button', { name: 'Download' }).click();
      const saved = await download;
      expect(saved.suggestedFilename()).toBe('ringfence-recovery-codes.txt');
      expect(await readFile(await saved.path(), 'utf8')).toBe(`${codes.join('\n')}\n`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      admin.recoveryCodes.splice(0, admin.recoveryCodes.length, ...codes.slice(1));
      const fresh = await admin.signIn();
      const stepUp = (code: string) =>
        t.inject({
          method: 'POST',
          url: '/v1/auth/step-up',
          headers: { authorization: `Bearer ${fresh.accessToken}` },
          payload: { code },
        });
      expect((await stepUp(oldCode)).statusCode).toBe(403);
      expect((await stepUp(codes[0]!)).statusCode).toBe(204);
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
      await shown.waitFor({ state: 'detached' });
      const html = await page.content();
      for (const code of codes) expect(html).not.toContain(code);

      // Sign out everywhere: the other session (the one made above) and this one end.
      const fresher = await admin.signIn();
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
      const [{ live }] = (
        await t.superuser.query(`SELECT count(*)::int AS live FROM admin_sessions WHERE admin_id = $1 AND revoked_at IS NULL`, [admin.id])
      ).rows;
      expect(live).toBe(0);
      expect(
        (await t.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${fresher.accessToken}` } })).statusCode,
      ).toBe(401);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
