import type { Browser, Page, Request } from 'playwright-core';
import type { TestAdmin } from '../support/admin-session';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { consolePage, launchChromium, seriousAxeViolations } from './support/console-browser';
import { signInThroughConsole } from './support/console-sign-in';

/** The bearer each API call of the page carried, in order. */
function bearersOf(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request: Request) => {
    const authorization = request.headers()['authorization'];
    if (request.url().includes('/v1/') && authorization) seen.push(authorization);
  });
  return seen;
}

/**
 * The console's session as an admin lives it: a silent refresh before the access token
 * expires (the page's clock driven by Playwright; the server's tokens are real), a session
 * ended elsewhere sending the admin to sign-in and back to the page they were on, and the
 * login limit's 429 telling when to try again.
 */
describe('console: session', () => {
  const t = useTestApp({ listen: true, env: { RINGFENCE_ROLE: 'api' } });
  let browser: Browser;
  let admin: TestAdmin;

  beforeAll(async () => {
    browser = await launchChromium();
    admin = await t.newAdmin('admin');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  const run = async (test: (page: Page) => Promise<void>): Promise<void> => {
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await test(page);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  };

  it(
    'refreshes the access token silently a minute before it expires, and goes on with the new one',
    () =>
      run(async (page) => {
        await page.clock.install();
        const bearers = bearersOf(page);
        await signInThroughConsole(page, admin);
        const first = bearers[bearers.length - 1];
        const refreshed = page.waitForResponse((response) => response.url().endsWith('/v1/auth/refresh'));
        // The token lives 600 s; the console refreshes at 540 s.
        await page.clock.fastForward('09:05');
        expect((await refreshed).status()).toBe(200);
        await page.getByRole('link', { name: 'Account' }).click();
        await page
          .getByRole('heading', { name: /account/i })
          .first()
          .waitFor();
        await page.getByRole('link', { name: 'Workspaces' }).click();
        await page.getByRole('heading', { name: 'Workspaces' }).first().waitFor();
        await until(
          'a call with the refreshed token',
          () => bearers[bearers.length - 1],
          (last) => last !== first,
        );
        // No token was left in storage by the rotation either.
        const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
        expect(storage).not.toContain(first!.slice('Bearer '.length));
      }),
    120_000,
  );

  it(
    'sends an admin whose session ended to sign-in, keeping the page, and back to it after',
    () =>
      run(async (page) => {
        await signInThroughConsole(page, admin);
        await page.goto('/console/workspaces?status=active');
        await page.getByRole('heading', { name: 'Workspaces' }).first().waitFor();
        // The session is ended elsewhere (every session of this admin, as a password reset does);
        // the page's next word with the API (here: the reload's refresh) finds it gone.
        await t.superuser.query(
          `UPDATE admin_sessions SET revoked_at = now(), revoked_reason = 'test' WHERE admin_id = $1 AND revoked_at IS NULL`,
          [admin.id],
        );
        await page.reload();
        await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
        const url = new URL(page.url());
        expect(url.searchParams.get('expired')).toBe('1');
        expect(url.searchParams.get('next')).toBe('/workspaces?status=active');
        await page.getByText('Your session ended.').waitFor();
        expect(await seriousAxeViolations(page)).toEqual([]);
        const next = url.searchParams.get('next')!;
        await page.getByLabel('Email').fill(admin.email);
        await page.getByLabel('Password').fill(admin.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByLabel('Code').fill(admin.secondFactor());
        await page.getByRole('button', { name: 'Verify' }).click();
        await until(
          'back on the page',
          () => `${new URL(page.url()).pathname}${new URL(page.url()).search}`,
          (at) => at === `/console${next}`,
        );
      }),
    120_000,
  );

  it(
    'never follows a next= that leaves the console [V3.7.2]',
    () =>
      run(async (page) => {
        await page.goto('/console/sign-in?next=//evil.example.com/x');
        await page.getByLabel('Email').fill(admin.email);
        await page.getByLabel('Password').fill(admin.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByLabel('Code').fill(admin.secondFactor());
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('heading', { name: 'Workspaces' }).first().waitFor();
        expect(new URL(page.url()).origin).toBe(t.url.origin);
      }),
    120_000,
  );

  it('masks every password field (type=password) and lets a paste or a password manager fill it [V6.2.6 V6.2.7]', async () => {
    /** The inputs whose label names a password: their type and autocomplete. */
    const passwordFields = (page: Page) =>
      page
        .locator('input')
        .evaluateAll((inputs) =>
          (inputs as HTMLInputElement[])
            .map((input) => ({ label: (input.labels?.[0]?.textContent ?? '').trim(), type: input.type, autocomplete: input.autocomplete }))
            .filter((field) => /password/i.test(field.label)),
        );
    await run(async (page) => {
      await page.goto('/console/reset-password#token=' + 'A'.repeat(43));
      await page.getByLabel('New password').waitFor();
      expect(await passwordFields(page)).toEqual([
        { label: expect.stringMatching(/^New password/), type: 'password', autocomplete: 'new-password' },
      ]);

      await page.goto('/console/sign-in');
      await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
      expect(await passwordFields(page)).toEqual([
        { label: expect.stringMatching(/^Password/), type: 'password', autocomplete: 'current-password' },
      ]);
      // Pasted, as from a password manager's clipboard: nothing blocks it, and the pasted password signs in.
      await page.getByLabel('Email').fill(admin.email);
      await page.evaluate((text) => navigator.clipboard.writeText(text), admin.password);
      await page.getByLabel('Password').focus();
      await page.keyboard.press('ControlOrMeta+V');
      expect(await page.getByLabel('Password').inputValue()).toBe(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Code').fill(admin.secondFactor());
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Workspaces' }).first().waitFor();

      await page.goto('/console/account');
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await passwordFields(page)).toEqual([
        { label: expect.stringMatching(/^Current password/), type: 'password', autocomplete: 'current-password' },
        { label: expect.stringMatching(/^New password/), type: 'password', autocomplete: 'new-password' },
      ]);
    });
    // The first-login setup's password step, for an admin whose password must still change.
    const newcomer = await t.newAdmin('admin');
    await t.superuser.query('UPDATE admins SET password_must_change = true WHERE id = $1', [newcomer.id]);
    await run(async (page) => {
      await signInThroughConsole(page, newcomer, { heading: 'Set up your account' });
      await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
      expect(await passwordFields(page)).toEqual([
        { label: expect.stringMatching(/^One-time password/), type: 'password', autocomplete: 'current-password' },
        { label: expect.stringMatching(/^New password/), type: 'password', autocomplete: 'new-password' },
      ]);
    });
  }, 120_000);

  it(
    'shows a refused login as a readable problem with its request id, and a 429 with when to retry',
    () =>
      run(async (page) => {
        const victim = await t.newAdmin('admin');
        await page.goto('/console/sign-in');
        await page.getByLabel('Email').fill(victim.email);
        await page.getByLabel('Password').fill('not the password at all');
        await page.getByRole('button', { name: 'Sign in' }).click();
        const alert = page.getByRole('alert');
        await alert.getByText(/Request id/).waitFor();
        expect(await alert.textContent()).toMatch(/Unauthorized/i);
        // The account's budget (10 failures in 15 minutes) spent through the API.
        for (let attempt = 0; attempt < 10; attempt += 1) {
          await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: victim.email, password: 'wrong again, and again' } });
        }
        await page.getByRole('button', { name: 'Sign in' }).click();
        await alert.getByText(/Try again in/).waitFor();
        expect(await alert.textContent()).toMatch(/Try again in \d+ (seconds|minutes)/);
        expect(await seriousAxeViolations(page)).toEqual([]);
      }),
    120_000,
  );
});
