import { ProviderSimulator } from '../../apps/api/src/providers/simulator/provider-simulator';
import type { TestAdmin } from '../support/admin-session';
import { expectProblem } from '../support/assertions';
import { ethPolicy, keyWithPolicy, submitTransfer, untilSettled } from '../support/cosigner';
import { useTestApp } from '../support/use-test-app';

interface TransferView {
  id: string;
  status: string;
  decision: { action: string; policyVersion: number | null; rule: string | null; reason: string } | null;
}

/**
 * A workspace's transfers as the console reads them (`/v1/admin/workspaces/:id/transfers`):
 * the same list and decisions as the workspace's keys see, for owners, admins and auditors,
 * one workspace and environment at a time.
 */
describe('admin transfers (/v1/admin/workspaces/:id/transfers)', () => {
  const t = useTestApp({ env: { SIMULATOR_COSIGNER_ENABLED: 'true', SIMULATOR_RETRY_INTERVAL_MS: '100' } });
  let owner: TestAdmin;
  let auditor: TestAdmin;
  beforeAll(async () => {
    [owner, auditor] = await Promise.all([t.newAdmin('owner'), t.newAdmin('auditor')]);
  });

  const get = (as: { headers: Record<string, string> }, url: string) => t.inject({ method: 'GET', url, headers: as.headers });

  it('shows each transfer with the cosigner’s verdict, version, rule and reason, to owners, admins and auditors', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const approved = await submitTransfer(t, key, { amount: '2' });
    const rejected = await submitTransfer(t, key, { destination: { address: '0x00000000000000000000000000000000000000bd' } });
    const simulator = t.app.get(ProviderSimulator);
    await untilSettled(simulator, approved.externalTxId);
    await untilSettled(simulator, rejected.externalTxId);
    const base = `/v1/admin/workspaces/${key.workspaceId}/transfers`;
    const admin = await t.newAdmin('admin');
    for (const reader of [owner, admin, auditor]) {
      const list = await get(reader, `${base}?environment=live`);
      expect(list.statusCode).toBe(200);
      const page = list.json<{ items: TransferView[]; nextCursor: string | null }>();
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((item) => item.id)).toEqual([rejected.id, approved.id]);
    }
    const one = (id: string) => get(auditor, `${base}/${id}?environment=live`);
    expect((await one(approved.id)).json()).toMatchObject({
      id: approved.id,
      status: 'approved',
      amount: '2',
      decision: { action: 'APPROVE', policyVersion: 1, rule: 'eth', reason: 'rule_approved', decidedAt: expect.any(String) },
    });
    expect((await one(rejected.id)).json()).toMatchObject({
      id: rejected.id,
      status: 'rejected',
      decision: { action: 'REJECT', policyVersion: 1, rule: 'blocked', reason: 'rule_rejected' },
    });
    // The key's own view says the same: one service, one view.
    const own = await get(key, `/v1/transfers/${rejected.id}`);
    expect(own.json()).toEqual((await one(rejected.id)).json());
    // A filter by status, as the key's list has it.
    const filtered = (await get(owner, `${base}?environment=live&status=approved`)).json<{ items: TransferView[] }>();
    expect(filtered.items.map((item) => item.id)).toEqual([approved.id]);
  });

  it('pages newest first, keeps environments apart, and never shows another workspace’s transfer', async () => {
    const key = await t.newKey({ scopes: ['transfers:write'] });
    const testKey = await t.newKey({ scopes: ['transfers:write'], environment: 'test', workspace: key.workspaceId });
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await submitTransfer(t, key, { amount: String(i + 1) }));
    const testTransfer = await submitTransfer(t, testKey);
    const base = `/v1/admin/workspaces/${key.workspaceId}/transfers`;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: TransferView[]; nextCursor: string | null } = (
        await get(owner, `${base}?environment=live&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((transfer) => transfer.id).reverse());
    expect((await get(owner, `${base}?environment=test`)).json<{ items: TransferView[] }>().items.map((item) => item.id)).toEqual([
      testTransfer.id,
    ]);
    // A live transfer is not in the test environment, and a transfer of another workspace is in neither.
    expectProblem(await get(owner, `${base}/${made[0]!.id}?environment=test`), 404, 'NOT_FOUND');
    const other = await t.newKey({ scopes: ['transfers:write'] });
    const theirs = await submitTransfer(t, other);
    expectProblem(await get(owner, `${base}/${theirs.id}?environment=live`), 404, 'NOT_FOUND');
    expectProblem(await get(auditor, `${base}/${theirs.id}?environment=live`), 404, 'NOT_FOUND');
    expect((await get(owner, `${base}?environment=live`)).json<{ items: TransferView[] }>().items.map((item) => item.id)).not.toContain(
      theirs.id,
    );
    // An unknown or deleted workspace is a 404, as on the other admin workspace routes.
    expectProblem(
      await get(owner, `/v1/admin/workspaces/00000000-0000-4000-8000-000000000000/transfers?environment=live`),
      404,
      'NOT_FOUND',
    );
    await t.superuser.query(`UPDATE workspaces SET status = 'deleted' WHERE id = $1`, [other.workspaceId]);
    expectProblem(await get(owner, `/v1/admin/workspaces/${other.workspaceId}/transfers?environment=live`), 404, 'NOT_FOUND');
  });

  it('refuses a query it does not take, a missing environment and a forged cursor (400), and callers that are not admins', async () => {
    const key = await t.newKey({ scopes: ['transfers:read', 'transfers:write'] });
    const transfer = await submitTransfer(t, key);
    const base = `/v1/admin/workspaces/${key.workspaceId}/transfers`;
    const fieldsOf = (problem: Record<string, unknown>) => (problem['errors'] as { field: string }[]).map((error) => error.field);
    expect(fieldsOf(expectProblem(await get(owner, `${base}?environment=live&workspaceId=x`), 400, 'VALIDATION_FAILED'))).toContain(
      'workspaceId',
    );
    expect(
      fieldsOf(expectProblem(await get(owner, `${base}/${transfer.id}?environment=live&verbose=1`), 400, 'VALIDATION_FAILED')),
    ).toContain('verbose');
    expect(fieldsOf(expectProblem(await get(owner, base), 400, 'VALIDATION_FAILED'))).toContain('environment');
    expect(fieldsOf(expectProblem(await get(owner, `${base}?environment=staging`), 400, 'VALIDATION_FAILED'))).toContain('environment');
    expectProblem(await get(owner, `${base}?environment=live&status=lost`), 400, 'VALIDATION_FAILED');
    expectProblem(await get(owner, `${base}?environment=live&cursor=bm9wZQ`), 400, 'VALIDATION_FAILED');
    expectProblem(await get(owner, `${base}/not-a-uuid?environment=live`), 400, 'VALIDATION_FAILED');
    // A workspace key reads its transfers on /v1/transfers, never on the admin route.
    expect((await get(key, `${base}?environment=live`)).statusCode).toBe(401);
    expect((await t.inject({ method: 'GET', url: `${base}?environment=live` })).statusCode).toBe(401);
  });

  it('lets owners and admins read the webhook event catalogue (to subscribe an endpoint), not auditors', async () => {
    const admin = await t.newAdmin('admin');
    const listed = await get(admin, '/v1/webhooks/event-types');
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ type: string }[]>().map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['transfer.status_changed', 'policy.activated', 'webhook.test']),
    );
    expect((await get(owner, '/v1/webhooks/event-types')).statusCode).toBe(200);
    expectProblem(await get(auditor, '/v1/webhooks/event-types'), 403, 'INSUFFICIENT_ROLE');
    const reader = await t.newKey({ scopes: ['webhooks:read'] });
    expect((await get(reader, '/v1/webhooks/event-types')).json()).toEqual(listed.json());
  });
});
