import type { Browser, Page } from 'playwright-core';
import type { TestAdmin } from '../support/admin-session';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { consolePage, launchChromium, screenshot, seriousAxeViolations } from './support/console-browser';
import { signInThroughConsole } from './support/console-sign-in';

interface ApiKeyView {
  id: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/**
 * The workspaces and API keys screens, in Chromium against the app serving the built console:
 * an admin creates, finds, edits, suspends, reactivates and deletes a workspace, mints a key
 * that is shown once and works, revokes it (refused at once) and rotates another with a grace
 * period; an auditor reads the same screens without a single write button.
 */
describe('console: workspaces and API keys', () => {
  const t = useTestApp({ listen: true, env: { RINGFENCE_ROLE: 'api' } });
  let browser: Browser;
  let admin: TestAdmin;
  const tag = `w${Date.now().toString(36)}`;
  const name = `Harbour ${tag}`;

  beforeAll(async () => {
    browser = await launchChromium();
    admin = await t.newAdmin('admin');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** GET /v1/workspace with `key`, from the test (not the browser): the key's own route. */
  const whoAmI = async (key: string): Promise<number> =>
    (await fetch(new URL('/v1/workspace', t.url), { headers: { authorization: `Bearer ${key}` } })).status;

  const keysOf = async (workspaceId: string): Promise<ApiKeyView[]> =>
    (await t.inject({ method: 'GET', url: `/v1/admin/workspaces/${workspaceId}/api-keys`, headers: admin.headers })).json<{
      items: ApiKeyView[];
    }>().items;

  /** The console session's second factor, ten minutes old: past the step-up window. */
  const makeSecondFactorStale = async (sessionId: string): Promise<void> => {
    const { rowCount } = await t.superuser.query(
      `UPDATE admin_sessions SET second_factor_at = now() - interval '10 minutes' WHERE id = $1`,
      [sessionId],
    );
    expect(rowCount).toBe(1);
  };

  /** Waits for the step-up dialog, runs `meanwhile` (nothing done yet), gives a fresh code, and waits for the dialog to go. */
  const giveStepUp = async (page: Page, meanwhile?: () => Promise<void>): Promise<void> => {
    const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
    await stepUp.waitFor();
    await meanwhile?.();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await stepUp.getByLabel('Code').fill(admin.secondFactor());
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await stepUp.waitFor({ state: 'detached' });
  };

  /** The rows of the workspaces table, by name (the header row left out). */
  const listedNames = async (page: Page): Promise<string[]> =>
    page.getByRole('table', { name: 'Workspaces' }).locator('tbody tr td:first-child').allTextContents();

  /** The table's names once they are `names` (the list keeps the previous page on screen while the next loads). */
  const listedOnceSettled = (page: Page, names: string[]): Promise<string[]> =>
    until(
      'the workspaces listed',
      () => listedNames(page),
      (listed) => JSON.stringify(listed) === JSON.stringify(names),
    );

  it('creates, finds, edits, mints keys shown once, revokes, rotates, suspends, reactivates and deletes', async () => {
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      const mfa = page.waitForResponse((response) => response.url().endsWith('/v1/auth/mfa') && response.request().method() === 'POST');
      await signInThroughConsole(page, admin);
      const sessionId = ((await (await mfa).json()) as { sessionId: string }).sessionId;
      expect(await seriousAxeViolations(page)).toEqual([]);

      // Create: the dialog, then the new workspace's page.
      await page.getByRole('button', { name: 'Create workspace' }).click();
      const create = page.getByRole('dialog', { name: 'Create a workspace' });
      await create.getByLabel('Name').fill(name);
      expect(await create.getByLabel('Plan').inputValue()).toBe('standard');
      await create.getByLabel('Allowed origins').fill('https://harbour.example');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await create.getByRole('button', { name: 'Create workspace' }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${name} active$`) }).waitFor();
      const workspaceId = new URL(page.url()).pathname.split('/').pop()!;
      expect(page.url()).toBe(new URL(`/console/workspaces/${workspaceId}`, t.url).href);
      expect(await page.getByRole('list', { name: 'Allowed origins' }).textContent()).toBe('https://harbour.example');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'workspace-detail');

      // Two more to find it among: a suspended namesake and another name.
      const namesake = await t.newWorkspace({ name: `${name} (old)`, by: admin });
      const other = await t.newWorkspace({ name: `Lighthouse ${tag}`, by: admin });
      expect(
        (await t.inject({ method: 'POST', url: `/v1/admin/workspaces/${namesake.id}/suspend`, headers: admin.headers })).statusCode,
      ).toBe(200);
      // A key to rotate later, made before the keys tab first reads the list.
      const rotated = await t.newKey({ workspace: workspaceId, scopes: ['transfers:read'], environment: 'test', by: admin });

      // Search and filter.
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Workspaces' }).click();
      await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
      await page.getByLabel('Search by name').fill(tag.toUpperCase());
      expect(await listedOnceSettled(page, [other.name, namesake.name, name])).toEqual([other.name, namesake.name, name]);
      await page.getByText('3 workspaces on this page matching the filters.').waitFor();
      await page.getByLabel('Search by name').fill(`harbour ${tag}`);
      expect(await listedOnceSettled(page, [namesake.name, name])).toEqual([namesake.name, name]);
      await page.getByText('2 workspaces on this page matching the filters.').waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'workspaces');
      await page.getByLabel('Status').selectOption('suspended');
      expect(await listedOnceSettled(page, [namesake.name])).toEqual([namesake.name]);
      await page.getByText('1 workspace on this page matching the filters.').waitFor();
      await page.getByLabel('Status').selectOption('active');
      expect(await listedOnceSettled(page, [name])).toEqual([name]);
      await page.getByText('1 workspace on this page matching the filters.').waitFor();
      await page.getByLabel('Search by name').fill(`no such ${tag}`);
      await page.getByText('No workspace matches these filters.').waitFor();
      await page.getByLabel('Search by name').fill(`harbour ${tag}`);
      await page.getByRole('link', { name, exact: true }).click();

      // Edit the allowed origins: a bad one is refused with the field named, then a good list is saved.
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${name} active$`) }).waitFor();
      await page.getByRole('button', { name: 'Edit workspace' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit the workspace' });
      await edit.getByLabel('Allowed origins').fill('https://harbour.example\nftp://files.harbour.example');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await edit.getByRole('alert').waitFor();
      expect(await edit.getByRole('alert').textContent()).toContain('allowedOrigins');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await edit.getByLabel('Allowed origins').fill('https://harbour.example\nhttps://ops.harbour.example:8443\n');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved. The workspace’s keys carry the new plan and origins').waitFor();
      expect(await page.getByRole('list', { name: 'Allowed origins' }).getByRole('listitem').allTextContents()).toEqual([
        'https://harbour.example',
        'https://ops.harbour.example:8443',
      ]);
      const stored = await t.inject({ method: 'GET', url: `/v1/admin/workspaces/${workspaceId}`, headers: admin.headers });
      expect(stored.json()).toMatchObject({ allowedOrigins: ['https://harbour.example', 'https://ops.harbour.example:8443'] });

      // Mint a key: the admin role cannot grant audit:read or vault:reveal (the checklist says so, the API decides).
      await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('heading', { level: 2, name: 'API keys' }).waitFor();
      await page.getByRole('row', { name: new RegExp(`rf_test_${rotated.id}`) }).waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create API key' }).click();
      const mint = page.getByRole('dialog', { name: 'Create an API key' });
      await mint.getByLabel('Name').fill('settlement worker');
      await mint.getByRole('radio', { name: /^Live/ }).check();
      for (const scope of ['audit:read', 'vault:reveal'])
        expect(await mint.getByRole('checkbox', { name: new RegExp(`^${scope}`) }).isDisabled()).toBe(true);
      expect(await mint.getByRole('button', { name: 'Create key' }).isDisabled()).toBe(true);
      await mint.getByRole('checkbox', { name: /^vault:read/ }).check();
      await mint.getByRole('checkbox', { name: /^transfers:read/ }).check();
      await mint.getByLabel('Expires (optional)').fill('2031-01-01T00:00');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'api-key-create');
      // Minting is a step-up route: with the session's second factor stale, the step-up dialog
      // opens over this one, and the key is made once a code is given.
      await makeSecondFactorStale(sessionId);
      await mint.getByRole('button', { name: 'Create key' }).click();
      await giveStepUp(page, async () => expect(await keysOf(workspaceId)).toHaveLength(1));

      const shown = page.getByRole('dialog', { name: 'Your new API key' });
      const key = (await shown.getByTestId('shown-once-value').textContent())!.trim();
      expect(key).toMatch(/^rf_live_[0-9A-Z]{8}/);
      const keyId = key.slice('rf_live_'.length, 'rf_live_'.length + 8);
      await shown.getByRole('button', { name: 'Copy key' }).click();
      await shown.getByText('Copied.').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'api-key-shown-once');
      await shown.getByRole('button', { name: 'I have stored the key' }).click();
      await shown.waitFor({ state: 'detached' });
      const row = page.getByRole('row', { name: new RegExp(`rf_live_${keyId}`) });
      await row.waitFor();
      expect(await row.textContent()).toContain('vault:read, transfers:read');
      expect(await page.content()).not.toContain(key);
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain(key);
      expect((await keysOf(workspaceId)).find((listed) => listed.id === keyId)?.expiresAt).toBe(new Date('2031-01-01T00:00').toISOString());
      expect(await whoAmI(key)).toBe(200);

      // Revoke it: refused from the next request on.
      await row.getByRole('button', { name: `Revoke rf_live_${keyId}` }).click();
      const revoke = page.getByRole('dialog', { name: `Revoke rf_live_${keyId}?` });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await revoke.getByRole('button', { name: 'Revoke key' }).click();
      await page.getByText(`rf_live_${keyId} is revoked`).waitFor();
      expect(await row.getByText('revoked', { exact: true }).count()).toBe(1);
      expect(await row.getByRole('button').count()).toBe(0);
      expect(await whoAmI(key)).toBe(401);

      // Rotate the other with a day's grace: the new key shown once, the old one still works.
      expect(await whoAmI(rotated.key)).toBe(200);
      await page.getByRole('button', { name: `Rotate rf_test_${rotated.id}` }).click();
      const rotate = page.getByRole('dialog', { name: `Rotate rf_test_${rotated.id}` });
      await rotate.getByLabel('Grace period').selectOption({ label: '1 day' });
      expect(await seriousAxeViolations(page)).toEqual([]);
      // Rotating is a step-up route too: cancelled, nothing is rotated and the dialog says why; then given.
      await makeSecondFactorStale(sessionId);
      await rotate.getByRole('button', { name: 'Rotate key' }).click();
      const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
      await stepUp.waitFor();
      await stepUp.getByRole('button', { name: 'Cancel' }).click();
      await expect(rotate.getByRole('alert').textContent()).resolves.toContain(
        'This action needs a fresh second factor, and none was given.',
      );
      expect((await keysOf(workspaceId)).find((listed) => listed.id === rotated.id)?.expiresAt).toBeNull();
      await rotate.getByRole('button', { name: 'Rotate key' }).click();
      await giveStepUp(page);
      const rotatedShown = page.getByRole('dialog', { name: 'The rotated key' });
      const successor = (await rotatedShown.getByTestId('shown-once-value').textContent())!.trim();
      expect(successor).toMatch(/^rf_test_/);
      expect(await rotatedShown.textContent()).toContain(`rf_test_${rotated.id} keeps working for 1 day`);
      await rotatedShown.getByRole('button', { name: 'I have stored the key' }).click();
      await rotatedShown.waitFor({ state: 'detached' });
      await page.getByRole('row', { name: new RegExp(`rf_test_${successor.slice(8, 16)}`) }).waitFor();
      expect(await page.content()).not.toContain(successor);
      // The old key is marked rotated (it works through its grace) and offers no second rotation.
      const oldRow = page.getByRole('row', { name: new RegExp(`rf_test_${rotated.id}`) });
      await oldRow.getByText(`replaced by ${successor.slice(8, 16)}`).waitFor();
      expect(await oldRow.getByRole('button', { name: `Rotate rf_test_${rotated.id}` }).count()).toBe(0);
      expect(await oldRow.getByRole('button', { name: `Revoke rf_test_${rotated.id}` }).count()).toBe(1);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'api-keys');
      expect(await whoAmI(rotated.key)).toBe(200);
      expect(await whoAmI(successor)).toBe(200);
      const graceUntil = Date.parse((await keysOf(workspaceId)).find((listed) => listed.id === rotated.id)!.expiresAt!);
      expect(graceUntil).toBeGreaterThan(Date.now() + 23 * 3600_000);
      expect(graceUntil).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);

      // Suspend (its keys refused), then reactivate (they work again).
      await page.getByRole('button', { name: 'Suspend', exact: true }).click();
      const suspend = page.getByRole('dialog', { name: `Suspend “${name}”?` });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await suspend.getByRole('button', { name: 'Suspend workspace' }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${name} suspended$`) }).waitFor();
      await page.getByText('The workspace is suspended').waitFor();
      expect(await whoAmI(successor)).toBe(401);
      await page.getByRole('button', { name: 'Reactivate' }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${name} active$`) }).waitFor();
      expect(await whoAmI(successor)).toBe(200);

      // Delete, after typing the workspace's name.
      await page.getByRole('button', { name: 'Delete workspace' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this workspace' });
      const typed = confirm.getByLabel(`Type “${name}” to confirm`);
      await typed.fill(name.toLowerCase());
      expect(await confirm.getByRole('button', { name: 'Delete workspace' }).isDisabled()).toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await typed.fill(name);
      await confirm.getByRole('button', { name: 'Delete workspace' }).click();
      await page.getByText(`The workspace “${name}” was deleted.`).waitFor();
      expect(page.url()).toBe(new URL('/console/workspaces', t.url).href);
      expect((await t.inject({ method: 'GET', url: `/v1/admin/workspaces/${workspaceId}`, headers: admin.headers })).statusCode).toBe(404);
      expect(await whoAmI(successor)).toBe(401);
      await page.getByLabel('Search by name').fill(tag);
      expect(await listedOnceSettled(page, [other.name, namesake.name])).toEqual([other.name, namesake.name]);
      await page.getByText('2 workspaces on this page matching the filters.').waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      // The deletion's notice was for that moment: a reload does not show it again.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
      await page.getByRole('table', { name: 'Workspaces' }).waitFor();
      expect(await page.getByText('was deleted').count()).toBe(0);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('shows an auditor the workspaces and their details, with no button that would change one', async () => {
    const auditor = await t.newAdmin('auditor');
    const workspace = await t.newWorkspace({ name: `Audited ${tag}`, allowedOrigins: ['https://audited.example'], by: admin });
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await signInThroughConsole(page, auditor);
      await page.getByLabel('Search by name').fill(`audited ${tag}`);
      expect(await listedOnceSettled(page, [workspace.name])).toEqual([workspace.name]);
      await page.getByText('1 workspace on this page matching the filters.').waitFor();
      expect(await page.getByRole('button', { name: 'Create workspace' }).count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);

      await page.getByRole('link', { name: workspace.name }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${workspace.name} active$`) }).waitFor();
      expect(await page.getByRole('list', { name: 'Allowed origins' }).textContent()).toBe('https://audited.example');
      for (const action of ['Suspend', 'Reactivate', 'Delete workspace', 'Edit workspace']) {
        expect({ action, count: await page.getByRole('button', { name: action }).count() }).toEqual({ action, count: 0 });
      }
      expect(await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link').allTextContents()).toEqual([
        'Overview',
        'Transfers',
      ]);
      expect(await seriousAxeViolations(page)).toEqual([]);

      // The keys' page, reached by its address, says the role does not read keys (the API would answer 403).
      await page.goto(`/console/workspaces/${workspace.id}/api-keys`);
      await page.getByText('your role does not read them').waitFor();
      expect(await page.getByRole('button', { name: 'Create API key' }).count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
