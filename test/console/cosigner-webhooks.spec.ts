import type { Browser, Page } from 'playwright-core';
import { ProviderSimulator } from '../../apps/api/src/providers/simulator/provider-simulator';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import { submitTransfer, untilSettled } from '../support/cosigner';
import { useTestApp } from '../support/use-test-app';
import { loopbackSinksOn, startWebhookSink, verifiedBy, type WebhookSink } from '../support/webhook-sink';
import { consolePage, launchChromium, screenshot, seriousAxeViolations } from './support/console-browser';
import { signInThroughConsole } from './support/console-sign-in';

const BLOCKED = '0x00000000000000000000000000000000000000bd';
const PAYEE = '0x00000000000000000000000000000000000000aa';

/**
 * A workspace's cosigner and webhooks in the console, in Chromium against the app serving the
 * built bundle: an admin writes a policy in the rule form (the API's errors shown beside the
 * field, the JSON view validated by the API too), activates it under step-up, explains sample
 * transfers; sees the transfers the simulated provider's co-signer had decided by that policy,
 * with their decisions; creates a webhook endpoint on a loopback sink (the secret shown once),
 * sends a test, sees it delivered (signed with that secret), replays it, rotates the secret,
 * disables and deletes the endpoint. An auditor reads the transfers and nothing else.
 */
describe('console: a workspace’s policies, transfers and webhooks', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const t = useTestApp({
    listen: true,
    // The simulated provider's co-signer asks our policy about each transfer, as a custody provider would.
    env: { RINGFENCE_ROLE: 'api', SIMULATOR_COSIGNER_ENABLED: 'true', SIMULATOR_RETRY_INTERVAL_MS: '100' },
    configure: loopbackSinksOn(() => [sink.port]),
  });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  const expectAccessible = async (page: Page) => expect(await seriousAxeViolations(page)).toEqual([]);

  it('writes, activates under step-up and explains a policy; shows the transfers it decided; runs a webhook endpoint', async () => {
    const admin = await t.newAdmin('admin');
    const workspace = await t.newWorkspace({ by: admin, name: 'Acme treasury' });
    const key = await t.newKey({ workspace: workspace.id, scopes: ['transfers:read', 'transfers:write'], by: admin });
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      // Policies: an empty policy first (every transfer rejected), edited in the rule form.
      await signInThroughConsole(page, admin, { path: `/workspaces/${workspace.id}/policies`, heading: 'Cosigner policy' });
      await page.getByText('No active policy').waitFor();
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Add an approve rule' }).click();
      const eth = page.getByRole('group', { name: /^Rule 1/ });
      await eth.getByLabel('Name').fill('eth');
      await eth.getByLabel('Operations').fill('TRANSFER');
      await eth.getByLabel('Assets').fill('ETH');
      await eth.getByLabel('Amount at most').fill('lots');
      await eth.getByLabel('Per transaction at most').fill('50');
      await eth.getByLabel('Window (seconds)').fill('86400');
      await eth.getByLabel('Window sum at most').fill('1000');
      await page.getByRole('button', { name: 'Save draft' }).click();
      // The API's validation, beside the field it names.
      await eth.getByText('must be a plain decimal string').waitFor();
      await expect(eth.getByLabel('Amount at most').getAttribute('aria-invalid')).resolves.toBe('true');
      await expectAccessible(page);
      await eth.getByLabel('Amount at most').fill('100');
      await page.getByRole('button', { name: 'Add a reject rule' }).click();
      await page
        .getByRole('group', { name: /^Rule 2/ })
        .getByLabel('Name')
        .fill('blocked');
      await page
        .getByRole('group', { name: /^Rule 2/ })
        .getByLabel('Destinations')
        .fill(BLOCKED);
      await page.getByRole('button', { name: 'Move up rule 2' }).click();
      await page.getByRole('group', { name: 'Rule 1: blocked' }).waitFor();

      // The same draft as JSON: what the API validates, whole.
      await page.getByRole('radio', { name: 'JSON' }).check();
      const json = page.getByLabel('Policy document (JSON)');
      const document = JSON.parse(await json.inputValue()) as { rules: Record<string, unknown>[] };
      expect(document).toEqual({
        rules: [
          { name: 'blocked', action: 'REJECT', match: { destinations: [BLOCKED] } },
          {
            name: 'eth',
            action: 'APPROVE',
            match: { operations: ['TRANSFER'], assets: ['ETH'], amount: { max: '100' } },
            caps: { perTransactionMax: '50', window: { seconds: 86400, maxSum: '1000' } },
          },
        ],
      });
      await json.fill(JSON.stringify({ rules: [{ ...document.rules[0], colour: 'red' }, document.rules[1]] }, null, 2));
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByRole('alert').filter({ hasText: 'document.rules[0].colour' }).getByText('unknown field').waitFor();
      await json.fill(JSON.stringify(document, null, 2));
      await page.getByRole('radio', { name: 'Form' }).check();
      await page.getByLabel('Note').fill('ETH only, up to 50 a transfer');
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByText('Saved as draft version 1').waitFor();
      await page.getByRole('button', { name: 'Activate version 1' }).waitFor();
      await expectAccessible(page);
      await screenshot(page, 'policies');

      // Activation asks for a fresh second factor: this session's is made stale, as time would.
      await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '1 hour' WHERE admin_id = $1`, [admin.id]);
      await page.getByRole('button', { name: 'Activate version 1' }).click();
      await page.getByRole('dialog', { name: 'Activate version 1?' }).getByRole('button', { name: 'Activate' }).click();
      const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
      await stepUp.waitFor();
      await expectAccessible(page);
      await stepUp.getByLabel('Code').fill(admin.secondFactor());
      await stepUp.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText('Version 1 is active').waitFor();
      await page.getByRole('region', { name: 'Active version' }).getByText('ETH only, up to 50 a transfer').waitFor();
      const { rows: activated } = await t.superuser.query(
        `SELECT version, state, activated_by FROM policy_versions WHERE workspace_id = $1 AND environment = 'live' ORDER BY version`,
        [workspace.id],
      );
      expect(activated).toEqual([{ version: 1, state: 'active', activated_by: `admin:${admin.id}` }]);

      // Explain sample transfers against the active version.
      const sample = page.getByRole('form', { name: 'Sample transfer' });
      const explanation = page.getByRole('region', { name: 'Explanation' });
      const explain = async (amount: string, destination: string, reason: string) => {
        await sample.getByLabel('Asset').fill('ETH');
        await sample.getByLabel('Amount').fill(amount);
        await sample.getByLabel('Destination', { exact: true }).fill(destination);
        await sample.getByRole('button', { name: 'Explain' }).click();
        await explanation.getByText(reason, { exact: true }).waitFor();
        return {
          verdict: await page.getByTestId('explained-verdict').textContent(),
          rule: await page.getByTestId('explained-rule').textContent(),
        };
      };
      await expect(explain('10', PAYEE, 'rule_approved')).resolves.toEqual({ verdict: 'APPROVE', rule: 'eth' });
      // Rule by rule: "blocked" did not match (its destinations), "eth" did.
      await expect(explanation.getByRole('row').nth(1).textContent()).resolves.toMatch(/^1blocked.*destination/);
      await expect(explanation.getByRole('row').nth(2).textContent()).resolves.toMatch(/^2ethmatched/);
      await expectAccessible(page);
      await expect(explain('75', PAYEE, 'cap_per_transaction')).resolves.toEqual({ verdict: 'REJECT', rule: 'eth' });
      await explanation.getByText('Over the matching rule’s per-transaction cap').waitFor();
      await expect(explain('10', BLOCKED, 'rule_rejected')).resolves.toEqual({ verdict: 'REJECT', rule: 'blocked' });

      // Transfers: submitted with the workspace's key, decided by the provider's co-signer under that policy.
      const approved = await submitTransfer(t, key, { amount: '2' });
      const overCap = await submitTransfer(t, key, { amount: '60' });
      const simulator = t.app.get(ProviderSimulator);
      await untilSettled(simulator, approved.externalTxId);
      await untilSettled(simulator, overCap.externalTxId);
      await page.getByRole('link', { name: 'Transfers' }).click();
      await page.getByRole('heading', { name: 'Transfers', level: 2 }).waitFor();
      const transfers = page.getByRole('table', { name: 'Transfers, newest first' });
      await transfers.getByText('60 ETH').waitFor();
      const rows = transfers.getByRole('row');
      await expect(rows.count()).resolves.toBe(3);
      await expect(rows.nth(1).textContent()).resolves.toMatch(/60 ETH.*rejected.*REJECT · eth/);
      await expect(rows.nth(2).textContent()).resolves.toMatch(/2 ETH.*approved.*APPROVE · eth/);
      await rows
        .nth(1)
        .getByRole('button', { name: /^Details/ })
        .click();
      const detail = page.getByRole('region', { name: 'Transfer', exact: true });
      await expect(detail.getByTestId('transfer-verdict').textContent()).resolves.toBe('REJECT');
      await expect(detail.getByTestId('transfer-rule').textContent()).resolves.toBe('eth');
      await detail.getByText('cap_per_transaction').waitFor();
      await detail.getByText(overCap.externalTxId).waitFor();
      await expectAccessible(page);
      await screenshot(page, 'transfers');
      await page.getByLabel('Status').selectOption('approved');
      await transfers.getByText('60 ETH').waitFor({ state: 'detached' });
      await expect(rows.count()).resolves.toBe(2);
      await transfers.getByText('2 ETH').waitFor();
      await page.getByLabel('Environment').selectOption('test');
      await page.getByText('No transfer with this status in this environment.').waitFor();

      // Webhooks: an endpoint on the loopback sink, its secret shown once.
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByText('No endpoint in this environment').waitFor();
      await expectAccessible(page);
      await page.getByRole('button', { name: 'New endpoint' }).click();
      const form = page.getByRole('form', { name: 'New webhook endpoint' });
      await form.getByLabel('URL', { exact: true }).fill(sink.url('/hook'));
      await form.getByLabel('Description', { exact: true }).fill('Treasury alerts');
      await form.getByRole('checkbox', { name: /^Every event/ }).uncheck();
      await form.getByRole('checkbox', { name: /^transfer\.approved / }).check();
      await form.getByRole('checkbox', { name: /^transfer\.rejected / }).check();
      await expectAccessible(page);
      await form.getByRole('button', { name: 'Create endpoint' }).click();
      const secret = (await page.getByTestId('shown-once-value').textContent())!.trim();
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'Copy signing secret' }).click();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
      await page.getByRole('button', { name: 'I have saved the secret' }).click();
      expect(await page.content()).not.toContain(secret);
      const endpoints = page.getByRole('region', { name: 'Endpoints' });
      await endpoints.getByRole('cell', { name: /Treasury alerts/ }).waitFor();
      await endpoints.getByText('transfer.approved, transfer.rejected').waitFor();

      // A test event, delivered by the worker, signed with the secret shown once; seen with its attempt.
      await page.getByRole('button', { name: `Send a test to ${sink.url('/hook')}` }).click();
      await page.getByText('A webhook.test event is on its way').waitFor();
      const deliveries = page.getByRole('region', { name: 'Deliveries' });
      const statuses = deliveries.getByTestId('delivery-status');
      await statuses.filter({ hasText: 'pending' }).waitFor();
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      expect(sink.received).toHaveLength(1);
      expect(verifiedBy(secret, sink.received[0]!)).toMatchObject({ type: 'webhook.test' });
      await statuses.filter({ hasText: 'done' }).waitFor();
      await deliveries.getByText('1 attempt').click();
      await deliveries.getByRole('cell', { name: '200', exact: true }).waitFor();
      await expectAccessible(page);
      await screenshot(page, 'webhooks');

      // Replayed: the same message again (its webhook-id kept), as a new delivery.
      await deliveries.getByRole('button', { name: /^Replay the webhook\.test delivery/ }).click();
      await page.getByText('Sent again as a new delivery of webhook.test').waitFor();
      await t.app.get(WebhookDeliveryWorker).deliverDue();
      expect(sink.received).toHaveLength(2);
      expect(sink.received[1]!.headers['webhook-id']).toBe(sink.received[0]!.headers['webhook-id']);
      await deliveries.getByText('a replay').waitFor();
      await statuses.filter({ hasText: 'pending' }).waitFor({ state: 'detached' });
      await expect(statuses.filter({ hasText: 'done' }).count()).resolves.toBe(2);

      // A new secret, shown once too; then disabled (no test can be sent) and deleted by typing its URL.
      await page.getByRole('button', { name: `Rotate the secret of ${sink.url('/hook')}` }).click();
      const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret' });
      await rotate.getByLabel('Grace period (hours)').fill('1');
      await rotate.getByRole('button', { name: 'Rotate' }).click();
      const rotated = (await page.getByTestId('shown-once-value').textContent())!.trim();
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await endpoints.getByRole('cell', { name: /^version 2/ }).waitFor();
      await page.getByRole('button', { name: 'I have saved the secret' }).click();
      expect(await page.content()).not.toContain(rotated);
      await page.getByRole('button', { name: `Disable ${sink.url('/hook')}` }).click();
      await endpoints.getByText('disabled by hand').waitFor();
      await expect(page.getByRole('button', { name: `Send a test to ${sink.url('/hook')}` }).isDisabled()).resolves.toBe(true);
      await page.getByRole('button', { name: `Delete ${sink.url('/hook')}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this endpoint?' });
      await expectAccessible(page);
      await confirm.getByLabel(/^Type/).fill(sink.url('/hook'));
      await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
      await page.getByText('No endpoint in this environment').waitFor();
      const { rows: left } = await t.superuser.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE workspace_id = $1`, [
        workspace.id,
      ]);
      expect(left).toEqual([{ n: 0 }]);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('lets an auditor read a workspace’s transfers and their decisions, and nothing of its policy or webhooks', async () => {
    const auditor = await t.newAdmin('auditor');
    const key = await t.newKey({ scopes: ['transfers:write'] });
    const transfer = await submitTransfer(t, key, { amount: '3' });
    // No policy is active there: the co-signer's question is answered REJECT, by no rule.
    await untilSettled(t.app.get(ProviderSimulator), transfer.externalTxId);
    const { context, page, faults } = await consolePage(browser, t.url);
    try {
      await signInThroughConsole(page, auditor, { path: `/workspaces/${key.workspaceId}/transfers`, heading: 'Transfers' });
      await page.getByRole('table', { name: 'Transfers, newest first' }).getByText('3 ETH').waitFor();
      await page.getByRole('button', { name: /^Details/ }).click();
      const detail = page.getByRole('region', { name: 'Transfer', exact: true });
      await detail.getByText(transfer.externalTxId).waitFor();
      await expect(detail.getByTestId('transfer-verdict').textContent()).resolves.toBe('REJECT');
      await expect(detail.getByTestId('transfer-rule').textContent()).resolves.toBe('none');
      await detail.getByText('no_active_policy').waitFor();
      await expectAccessible(page);
      // The policy and webhooks routes answer an auditor 403: their tabs, opened by address, say who may use them.
      await page.goto(`/console/workspaces/${key.workspaceId}/policies`);
      await page.getByText('Only owners and admins read and change a workspace’s cosigner policy.').waitFor();
      await page.goto(`/console/workspaces/${key.workspaceId}/webhooks`);
      await page.getByText('Only owners and admins read and change a workspace’s webhooks.').waitFor();
      await expectAccessible(page);
      expect(faults).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nfaults: ${faults.join('\n')}\nat ${page.url()}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
