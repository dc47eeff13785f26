import type { Page } from 'playwright-core';
import type { TestAdmin } from '../../support/admin-session';

/**
 * Signs `admin` in through the console's own sign-in page (password, then a TOTP code the
 * server has not seen), from `path` (default the console's root), and waits for the page
 * the console lands on (`heading`).
 */
export async function signInThroughConsole(page: Page, admin: TestAdmin, options: { path?: string; heading?: string } = {}): Promise<void> {
  await page.goto(`/console${options.path ?? '/'}`);
  await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code').fill(admin.secondFactor());
  await page.getByRole('button', { name: 'Verify' }).click();
  await page
    .getByRole('heading', { name: options.heading ?? 'Workspaces' })
    .first()
    .waitFor();
}
