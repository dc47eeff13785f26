import { AuditSealer } from '@ringfence/audit';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import type { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';
import { consolePage, launchChromium, screenshot, seriousAxeViolations } from './support/console-browser';
import { signInThroughConsole } from './support/console-sign-in';

const KEYS = 11;

/**
 * The audit screen in Chromium: an admin does audited things through the API; an auditor finds
 * them with the view's filters (kept in the address through a reload and a lost session),
 * opens a row's diff, pages, exports NDJSON and CSV, sees the chain verified once sealed and
 * broken once a row is changed under it. An admin gets a page saying the log is not theirs.
 */
describe('console: audit log', () => {
  const t = useTestApp({ listen: true, env: { RINGFENCE_ROLE: 'api' } });
  let browser: Browser;
  let admin: TestAdmin;
  let auditor: TestAdmin;

  beforeAll(async () => {
    browser = await launchChromium();
    [admin, auditor] = [await t.newAdmin('admin'), await t.newAdmin('auditor')];
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** The admin's audited actions, through the API: a workspace, its origins changed, keys minted, one revoked. */
  async function auditedActions(): Promise<{ workspaceId: string; name: string; revokedKey: string }> {
    // Markup in a value: the console shows it as the text it is (the cells' text below is the name, tags and all).
    const name = `Audit Trail <b>${Date.now()}</b>`;
    const created = await t.inject({ method: 'POST', url: '/v1/admin/workspaces', headers: admin.headers, payload: { name } });
    expect(created.statusCode).toBe(201);
    const workspaceId = created.json<{ id: string }>().id;
    const updated = await t.inject({
      method: 'PATCH',
      url: `/v1/admin/workspaces/${workspaceId}`,
      headers: admin.headers,
      payload: { allowedOrigins: ['https://treasury.audit.example'] },
    });
    expect(updated.statusCode).toBe(200);
    const keys: string[] = [];
    for (let index = 0; index < KEYS; index += 1) {
      const key = await t.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${workspaceId}/api-keys`,
        headers: admin.headers,
        payload: { name: `worker ${index}`, scopes: ['vault:read'], environment: 'live' },
      });
      expect(key.statusCode).toBe(201);
      keys.push(key.json<{ id: string }>().id);
    }
    const revoked = await t.inject({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${workspaceId}/api-keys/${keys[0]}`,
      headers: admin.headers,
    });
    expect(revoked.statusCode).toBe(204);
    return { workspaceId, name, revokedKey: keys[0]! };
  }

  const caption = (page: Page, text: string) => page.getByTestId('events-caption').getByText(text, { exact: true }).waitFor();
  const rowActions = (page: Page) =>
    page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
  const applyFilters = (page: Page) => page.getByRole('button', { name: 'Apply filters' }).click();

  async function downloadOf(page: Page, button: string): Promise<{ name: string; text: string }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
  }

  it('finds the admins’ actions by action and workspace, shows a diff, pages, exports, and reports the chain', async () => {
    const { workspaceId, name, revokedKey } = await auditedActions();
    const expectedActions = [
      'workspace.create',
      'workspace.update',
      ...Array<string>(KEYS).fill('api_key.create'),
      'api_key.revoke',
    ].sort();
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await signInThroughConsole(page, auditor, { heading: 'Workspaces' });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      // No worker runs here: what the admin did is not sealed yet, and the report says so.
      await page.getByTestId('chain-status').getByText('Nothing sealed yet', { exact: true }).waitFor();
      expect(Number(await page.getByTestId('chain-unsealed').evaluate((node) => node.firstChild?.textContent))).toBeGreaterThan(KEYS);
      await page.getByTestId('audit-row').first().waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);

      // By action, from the catalogue: the one revocation, in the admin's new workspace.
      const actionSelect = page.getByLabel('Action', { exact: true });
      expect(await actionSelect.locator('option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))).toEqual(
        expect.arrayContaining(['', 'api_key.', 'api_key.revoke', 'workspace.update', 'audit.verify']),
      );
      await actionSelect.selectOption('api_key.revoke');
      await applyFilters(page);
      await caption(page, 'Page 1: 1 event, newest first');
      expect(new URL(page.url()).searchParams.get('action')).toBe('api_key.revoke');
      const revocation = page.getByTestId('audit-row');
      await expect(revocation.getByRole('cell').nth(4).textContent()).resolves.toBe(name);
      await expect(revocation.getByRole('cell').nth(3).textContent()).resolves.toBe(`api_key ${revokedKey}`);
      await revocation.getByRole('button', { name: /^Show event / }).click();
      await expect(page.getByTestId('diff-summary').textContent()).resolves.toBe('Changed: revokedAt.');
      await expect(page.getByTestId('diff-before').textContent()).resolves.toBe('"revokedAt": null');
      await expect(page.getByTestId('diff-after').textContent()).resolves.toMatch(/^"revokedAt": "\d{4}-\d\d-\d\dT[\d:.]+Z"$/);
      // The row's actor as a filter: everything the admin did, and nothing else.
      await page.getByRole('button', { name: 'Only this actor' }).click();
      await caption(page, `Page 1: ${expectedActions.length} events, newest first`);
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ actorType: 'admin', actorId: admin.id });
      expect((await rowActions(page)).sort()).toEqual(expectedActions);
      await expect(page.getByLabel('Actor id').inputValue()).resolves.toBe(admin.id);
      await page.getByLabel('Actor type').selectOption('');
      await page.getByLabel('Actor id').fill('');

      // A row with unchanged keys beside the changed one: only the changed one is highlighted.
      await actionSelect.selectOption('workspace.update');
      await applyFilters(page);
      await caption(page, 'Page 1: 1 event, newest first');
      await page.getByRole('button', { name: /^Show event / }).click();
      await expect(page.getByTestId('diff-summary').textContent()).resolves.toBe('Changed: allowedOrigins.');
      const after = page.getByTestId('diff-after');
      await expect(after.locator('[data-key="allowedOrigins"]').getAttribute('class')).resolves.toBe('changed');
      await expect(after.locator('[data-key="name"]').getAttribute('class')).resolves.toBeNull();
      await expect(after.locator('[data-key="name"]').textContent()).resolves.toBe(`"name": ${JSON.stringify(name)}`);
      await expect(page.getByTestId('diff-before').locator('[data-key="allowedOrigins"]').textContent()).resolves.toBe(
        '"allowedOrigins": []',
      );
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'audit-row');

      // By workspace, ten rows a page: every action of the admin's, over two pages.
      await actionSelect.selectOption('');
      await page.getByLabel('Workspace id').fill(workspaceId);
      await page.getByLabel('Rows per page').selectOption('10');
      await applyFilters(page);
      await caption(page, 'Page 1: 10 events, newest first');
      const firstPage = await rowActions(page);
      expect(firstPage[0]).toBe('api_key.revoke');
      await page.getByRole('button', { name: 'Next' }).click();
      await caption(page, `Page 2: ${expectedActions.length - 10} events, newest first`);
      const secondPage = await rowActions(page);
      expect([...firstPage, ...secondPage].sort()).toEqual(expectedActions);
      expect(secondPage.at(-1)).toBe('workspace.create');
      await expect(page.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Previous' }).click();
      await caption(page, 'Page 1: 10 events, newest first');
      expect(await rowActions(page)).toEqual(firstPage);
      // The time range, read on the admin's clock and sent as UTC instants: from an hour ahead nothing, before it everything.
      const hourAhead = await page.evaluate(() => {
        const at = new Date(Date.now() + 3_600_000);
        at.setMilliseconds(0);
        const two = (value: number) => String(value).padStart(2, '0');
        const local = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
        return { local, instant: at.toISOString().replace('.000Z', 'Z') };
      });
      await page.getByLabel('From').fill(hourAhead.local);
      await applyFilters(page);
      await page.getByText('No event matches these filters.').waitFor();
      expect(new URL(page.url()).searchParams.get('from')).toBe(hourAhead.instant);
      await page.getByLabel('From').fill('');
      await page.getByLabel('Before').fill(hourAhead.local);
      await applyFilters(page);
      await caption(page, 'Page 1: 10 events, newest first');
      expect(new URL(page.url()).searchParams.get('to')).toBe(hourAhead.instant);
      expect(await rowActions(page)).toEqual(firstPage);
      await page.getByLabel('Before').fill('');
      await applyFilters(page);
      await page.waitForURL((url) => !url.searchParams.has('to'));
      await caption(page, 'Page 1: 10 events, newest first');
      const filtered = new URL(page.url());
      expect(Object.fromEntries(filtered.searchParams)).toEqual({ workspaceId, limit: '10' });

      // A reload keeps the filters, and so does a lost session: sign in again, back to the same rows.
      await page.reload();
      await caption(page, 'Page 1: 10 events, newest first');
      await expect(page.getByLabel('Workspace id').inputValue()).resolves.toBe(workspaceId);
      const sessions = await t.inject({ method: 'GET', url: '/v1/auth/sessions', headers: auditor.headers });
      for (const session of sessions.json<{ items: { id: string; current: boolean }[] }>().items.filter((item) => !item.current)) {
        const ended = await t.inject({ method: 'DELETE', url: `/v1/auth/sessions/${session.id}`, headers: auditor.headers });
        expect(ended.statusCode).toBe(204);
      }
      await page.getByRole('button', { name: 'Verify now' }).click();
      await page.getByRole('heading', { name: 'Sign in to Ringfence' }).waitFor();
      await page.getByText('Your session ended.').waitFor();
      await page.getByLabel('Email').fill(auditor.email);
      await page.getByLabel('Password').fill(auditor.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Code').fill(auditor.secondFactor());
      await page.getByRole('button', { name: 'Verify' }).click();
      await caption(page, 'Page 1: 10 events, newest first');
      expect(page.url()).toBe(filtered.href);
      await expect(page.getByLabel('Rows per page').inputValue()).resolves.toBe('10');

      // The export is the filter's every row (not the page), in both formats.
      const ndjson = await downloadOf(page, 'Export NDJSON');
      expect(ndjson.name).toMatch(/^audit-events-.+\.ndjson$/);
      const exported = ndjson.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string; workspaceId: string; before: unknown; after: unknown });
      expect(exported.map((event) => event.action).sort()).toEqual(expectedActions);
      expect(new Set(exported.map((event) => event.workspaceId))).toEqual(new Set([workspaceId]));
      expect(exported.find((event) => event.action === 'api_key.revoke')).toMatchObject({ before: { revokedAt: null } });
      const csv = await downloadOf(page, 'Export CSV');
      expect(csv.name).toMatch(/^audit-events-.+\.csv$/);
      const [header, ...rows] = parseCsv(csv.text);
      expect(header!.slice(0, 6)).toEqual(['id', 'occurred_at', 'workspace_id', 'actor_type', 'actor_id', 'action']);
      const column = (label: string) => header!.indexOf(label);
      expect(rows.map((row) => row[column('action')]).sort()).toEqual(expectedActions);
      expect(new Set(rows.map((row) => row[column('workspace_id')]))).toEqual(new Set([workspaceId]));
      expect(new Set(rows.map((row) => row[column('actor_id')]))).toEqual(new Set([admin.id]));
      await page.getByText(/^Downloaded audit-events-.+\.csv \(/).waitFor();

      // Sealed, the chain verifies every row; a row changed under it is named as the first break.
      await t.app.get(AuditSealer).sealAll(0);
      const sealed = (await t.superuser.query<{ n: string }>('SELECT count(*) AS n FROM audit_chain')).rows[0]!.n;
      expect(Number(sealed)).toBeGreaterThan(expectedActions.length);
      await page.getByRole('button', { name: 'Verify now' }).click();
      await page.getByTestId('chain-checked').getByText(sealed, { exact: true }).waitFor();
      await page.getByTestId('chain-status').getByText('Verified', { exact: true }).waitFor(); // visible, or the step times out
      await expect(page.getByTestId('chain-unsealed').textContent()).resolves.toBe('0');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'audit');

      const [victim] = (
        await t.superuser.query<{ id: string }>(`SELECT id FROM audit_log WHERE action = 'api_key.revoke' AND workspace_id = $1`, [
          workspaceId,
        ])
      ).rows;
      await t.superuser.query('BEGIN');
      await t.superuser.query('SET LOCAL session_replication_role = replica');
      await t.superuser.query(`UPDATE audit_log SET outcome = 'failure' WHERE id = $1`, [victim!.id]);
      await t.superuser.query('COMMIT');
      await page.getByRole('button', { name: 'Verify now' }).click();
      await page.getByTestId('chain-status').getByText('Broken', { exact: true }).waitFor();
      await expect(page.getByTestId('chain-break').textContent()).resolves.toMatch(
        new RegExp(`^Link \\d+, audit row ${victim!.id}: row changed$`),
      );
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('gives an admin no Audit link, and a page saying their role cannot read the log', async () => {
    const { context, page, faults } = await consolePage(browser, t.url);
    const auditCalls: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/audit')) auditCalls.push(request.url());
    });
    try {
      await signInThroughConsole(page, admin, { heading: 'Workspaces' });
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Workspaces' }).waitFor();
      await expect(nav.getByRole('link', { name: 'Audit' }).count()).resolves.toBe(0);
      await page.goto('/console/audit?action=api_key.revoke');
      await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      await page.getByText('Your role cannot read the audit log.').waitFor();
      await expect(page.getByRole('button', { name: 'Verify now' }).count()).resolves.toBe(0);
      expect(auditCalls).toEqual([]);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});

/** RFC 4180 as the export writes it: quoted cells, doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else if (char !== '\r') cell += char;
  }
  if (cell !== '' || record.length > 0) records.push([...record, cell]);
  return records;
}
