import { expectAuditRow, expectAuditRows, expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

const ETH_RULES = {
  rules: [
    { name: 'blocked', action: 'REJECT', match: { destinations: ['0x00000000000000000000000000000000000000bd'] } },
    {
      name: 'eth-small',
      action: 'APPROVE',
      match: { assets: ['ETH'], amount: { max: '10' } },
      caps: { perTransactionMax: '5', window: { seconds: 86400, maxSum: '8' } },
    },
  ],
};

describe('cosigner policies (/v1/policies and the admin equivalent)', () => {
  const t = useTestApp();

  const put = (headers: Record<string, string>, document: unknown, url = '/v1/policies/draft') =>
    t.inject({ method: 'PUT', url, headers, payload: { document, note: 'first' } });

  it('writes a validated draft as the next version, activates it under policies:write, and keeps every version [V2.3.1]', async () => {
    const key = await t.newKey({ scopes: ['policies:read', 'policies:write'] });
    const draft = await put(key.headers, ETH_RULES);
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({ version: 1, state: 'draft', rules: 2, note: 'first', document: ETH_RULES });
    // A second draft replaces the first (kept as discarded), as the next version.
    const second = await put(key.headers, { rules: [ETH_RULES.rules[1]] });
    expect(second.json()).toMatchObject({ version: 2, state: 'draft' });
    expectProblem(
      await t.inject({ method: 'POST', url: '/v1/policies/versions/1/activate', headers: key.headers }),
      409,
      'POLICY_VERSION_NOT_DRAFT',
    );
    const activated = await t.inject({ method: 'POST', url: '/v1/policies/versions/2/activate', headers: key.headers });
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({ version: 2, state: 'active', activatedBy: `api_key:${key.id}` });
    await put(key.headers, ETH_RULES);
    await t.inject({ method: 'POST', url: '/v1/policies/versions/3/activate', headers: key.headers });
    const versions = (await t.inject({ method: 'GET', url: '/v1/policies/versions', headers: key.headers })).json();
    expect(versions.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
      [3, 'active'],
      [2, 'retired'],
      [1, 'discarded'],
    ]);
    const current = (await t.inject({ method: 'GET', url: '/v1/policies', headers: key.headers })).json();
    expect(current).toMatchObject({ active: { version: 3, document: ETH_RULES }, draft: null });
    expect((await t.inject({ method: 'GET', url: '/v1/policies/versions/2', headers: key.headers })).json()).toMatchObject({
      version: 2,
      document: { rules: [ETH_RULES.rules[1]] },
    });
    expectProblem(await t.inject({ method: 'GET', url: '/v1/policies/versions/9', headers: key.headers }), 404, 'NOT_FOUND');
    const [, last] = await expectAuditRows(
      t.superuser,
      { action: 'policy.activate', actor: { type: 'api_key', id: key.id }, outcome: 'success' },
      2,
    );
    expect(last).toMatchObject({ before: { active: { version: 2 } }, after: { active: { version: 3 } } });
    const { rows: events } = await t.superuser.query(`SELECT type, payload FROM domain_events WHERE workspace_id = $1 ORDER BY seq`, [
      key.workspaceId,
    ]);
    expect(events.map((event) => [event.type, event.payload.version, event.payload.previousVersion])).toEqual([
      ['policy.activated', 2, null],
      ['policy.activated', 3, 2],
    ]);
  });

  it('refuses an invalid document as a whole, every error with its path, and writes nothing [V2.2.1 V2.2.2]', async () => {
    const key = await t.newKey({ scopes: ['policies:read', 'policies:write'] });
    const response = await put(key.headers, {
      rules: [
        { name: 'a', action: 'APPROVE', match: { amount: { max: '1e3' } }, surprise: true },
        { name: 'a', action: 'MAYBE', match: {} },
      ],
    });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    const fields = (problem['errors'] as { field: string }[]).map((error) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining(['document.rules[0].match.amount.max', 'document.rules[0].surprise', 'document.rules[1].action']),
    );
    expect((await t.inject({ method: 'GET', url: '/v1/policies/versions', headers: key.headers })).json()).toEqual([]);
  });

  it('explains a sample transfer rule by rule, reading the caps as they stand and spending nothing', async () => {
    const key = await t.newKey({ scopes: ['policies:read', 'policies:write'] });
    await put(key.headers, ETH_RULES);
    expectProblem(
      await t.inject({ method: 'POST', url: '/v1/policies/explain', headers: key.headers, payload: { transfer: { asset: 'ETH' } } }),
      404,
      'NOT_FOUND',
    );
    const explain = (transfer: Record<string, unknown>, version?: number) =>
      t.inject({
        method: 'POST',
        url: '/v1/policies/explain',
        headers: key.headers,
        payload: { transfer, ...(version ? { version } : {}) },
      });
    const approved = await explain({ asset: 'ETH', amount: '4.5', destinations: [{ address: '0xok' }] }, 1);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toEqual({
      version: 1,
      action: 'APPROVE',
      reason: 'rule_approved',
      rule: 'eth-small',
      trace: [
        { rule: 0, name: 'blocked', outcome: 'destination' },
        { rule: 1, name: 'eth-small', outcome: 'matched' },
      ],
    });
    expect((await explain({ asset: 'ETH', amount: '6', destinations: [{ address: '0xok' }] }, 1)).json()).toMatchObject({
      action: 'REJECT',
      reason: 'cap_per_transaction',
      rule: 'eth-small',
    });
    expect(
      (await explain({ asset: 'ETH', amount: '1', destinations: [{ address: '0x00000000000000000000000000000000000000BD' }] }, 1)).json(),
    ).toMatchObject({
      action: 'REJECT',
      reason: 'rule_rejected',
      rule: 'blocked',
    });
    expectProblem(await explain({ asset: 'ETH', amount: '-1' }, 1), 400, 'VALIDATION_FAILED');
    const { rows } = await t.superuser.query('SELECT count(*)::int AS n FROM cosigner_cap_reservations');
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('keeps a test key and a live key of one workspace to their own policy, and a key to its scopes', async () => {
    const live = await t.newKey({ scopes: ['policies:read', 'policies:write'] });
    const test = await t.newKey({ scopes: ['policies:read', 'policies:write'], environment: 'test', workspace: live.workspaceId });
    await put(live.headers, ETH_RULES);
    expect((await t.inject({ method: 'GET', url: '/v1/policies/versions', headers: test.headers })).json()).toEqual([]);
    expectProblem(await t.inject({ method: 'POST', url: '/v1/policies/versions/1/activate', headers: test.headers }), 404, 'NOT_FOUND');
    const reader = await t.newKey({ scopes: ['policies:read'], workspace: live.workspaceId });
    expectProblem(await put(reader.headers, ETH_RULES), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(
      await t.inject({ method: 'POST', url: '/v1/policies/versions/1/activate', headers: reader.headers }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    const other = await t.newKey({ scopes: ['policies:read'] });
    expect((await t.inject({ method: 'GET', url: '/v1/policies', headers: other.headers })).json()).toEqual({ active: null, draft: null });
  });

  it('gives a stale second factor no way around step-up through a key: minting a policies:write key is refused, so the policy stays a draft [V7.5.3]', async () => {
    const admin = await t.newAdmin('owner');
    const workspace = await t.newWorkspace();
    const base = `/v1/admin/workspaces/${workspace.id}/policies`;
    await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [
      admin.session.sessionId,
    ]);
    expect((await put(admin.headers, ETH_RULES, `${base}/draft?environment=live`)).statusCode).toBe(200);
    expectProblem(
      await t.inject({ method: 'POST', url: `${base}/versions/1/activate?environment=live`, headers: admin.headers }),
      403,
      'STEP_UP_REQUIRED',
    );
    // The way round, as a review found it: a key that may activate (an owner may grant any scope).
    const minted = await t.inject({
      method: 'POST',
      url: `/v1/admin/workspaces/${workspace.id}/api-keys`,
      headers: admin.headers,
      payload: { name: 'bypass', scopes: ['policies:read', 'policies:write', 'vault:reveal'], environment: 'live' },
    });
    expectProblem(minted, 403, 'STEP_UP_REQUIRED');
    expect(minted.json()).not.toHaveProperty('key');
    const { rows: keys } = await t.superuser.query('SELECT 1 FROM api_keys WHERE workspace_id = $1', [workspace.id]);
    expect(keys).toHaveLength(0);
    // Nor through rotating a key that already holds the scope.
    const holder = await t.newKey({ workspace, scopes: ['policies:read'] });
    expectProblem(
      await t.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${workspace.id}/api-keys/${holder.id}/rotate`,
        headers: admin.headers,
        payload: { gracePeriodSeconds: 0 },
      }),
      403,
      'STEP_UP_REQUIRED',
    );
    const { rows: versions } = await t.superuser.query(
      `SELECT version, state FROM policy_versions WHERE workspace_id = $1 AND environment = 'live' ORDER BY version`,
      [workspace.id],
    );
    expect(versions).toEqual([{ version: 1, state: 'draft' }]);
    await expectAuditRows(
      t.superuser,
      { action: 'auth.authorize', actor: { type: 'admin', id: admin.id }, outcome: 'denied', reason: 'step_up_required' },
      3,
    );
  });

  it('lets an admin write a workspace policy and activate it only with a fresh second factor [V7.5.3]', async () => {
    const admin = await t.newAdmin('admin');
    const workspace = await t.newWorkspace();
    const base = `/v1/admin/workspaces/${workspace.id}/policies`;
    const draft = await put(admin.headers, ETH_RULES, `${base}/draft?environment=test`);
    expect(draft.statusCode).toBe(200);
    expectProblem(await put(admin.headers, ETH_RULES, `${base}/draft`), 400, 'VALIDATION_FAILED');
    expectProblem(
      await put(admin.headers, ETH_RULES, `/v1/admin/workspaces/00000000-0000-4000-8000-000000000000/policies/draft?environment=live`),
      404,
      'NOT_FOUND',
    );
    await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [
      admin.session.sessionId,
    ]);
    const activate = () => t.inject({ method: 'POST', url: `${base}/versions/1/activate?environment=test`, headers: admin.headers });
    expectProblem(await activate(), 403, 'STEP_UP_REQUIRED');
    const stepUp = await t.inject({
      method: 'POST',
      url: '/v1/auth/step-up',
      headers: admin.headers,
      payload: { code: admin.secondFactor() },
    });
    expect(stepUp.statusCode).toBe(204);
    const activated = await activate();
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({ version: 1, state: 'active', activatedBy: `admin:${admin.id}` });
    await expectAuditRow(t.superuser, { action: 'policy.activate', actor: { type: 'admin', id: admin.id }, workspaceId: workspace.id });
    // The workspace's test key sees what the admin activated; its live key does not.
    const testKey = await t.newKey({ scopes: ['policies:read'], environment: 'test', workspace: workspace.id });
    expect((await t.inject({ method: 'GET', url: '/v1/policies', headers: testKey.headers })).json()).toMatchObject({
      active: { version: 1 },
    });
    const auditor = await t.newAdmin('auditor');
    expectProblem(await t.inject({ method: 'GET', url: `${base}?environment=test`, headers: auditor.headers }), 403, 'INSUFFICIENT_ROLE');
  });
});
