import { AUDIT_EXPORT_BATCH, AuditEvents, AuditSealer } from '@ringfence/audit';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { useTestApp } from '../support/use-test-app';

interface Page {
  events: {
    id: string;
    action: string;
    workspaceId: string | null;
    actor: { type: string; id: string | null };
    outcome: string;
    environment: string | null;
    target: { type: string; id: string | null } | null;
  }[];
  nextCursor: string | null;
}

/** The auditors' view and the workspace view, over rows seeded with known content. */
describe('audit view (/v1/audit)', () => {
  const t = useTestApp();
  let auditor: TestAdmin;
  let owner: TestAdmin;
  let admin: TestAdmin;
  let reader: TestKey;
  let otherReader: TestKey;

  beforeAll(async () => {
    [auditor, owner, admin] = [await t.newAdmin('auditor'), await t.newAdmin('owner'), await t.newAdmin('admin')];
    reader = await t.newKey({ scopes: ['audit:read'], by: owner });
    otherReader = await t.newKey({ scopes: ['audit:read'], by: owner });
    // Known rows, an hour in the past so they sort before everything the requests write.
    await t.superuser.query(
      `INSERT INTO audit_log (occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, outcome)
       VALUES (now() - interval '60 minutes', $1, 'api_key', 'KEYAAAAA', 'vault.create', 'vault_secret', 's1', 'success'),
              (now() - interval '59 minutes', $1, 'api_key', 'KEYAAAAA', 'vault.reveal', 'vault_secret', 's1', 'success'),
              (now() - interval '58 minutes', $1, 'api_key', 'KEYAAAAA', 'vault.reveal', 'vault_secret', 's1', 'denied'),
              (now() - interval '57 minutes', $2, 'api_key', 'KEYBBBBB', 'vault.create', 'vault_secret', 's2', 'success'),
              (now() - interval '56 minutes', $2, 'api_key', 'KEYBBBBB', 'vaulted.odd', 'vault_secret', 's2', 'success')`,
      [reader.workspaceId, otherReader.workspaceId],
    );
  });

  const read = (headers: Record<string, string>, query: Record<string, string | number> = {}) =>
    t.app.inject({
      method: 'GET',
      url: '/v1/audit/events',
      headers,
      query: Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)])),
    });
  const actionsOf = (page: Page) => page.events.map((event) => event.action);

  it('shows auditors and owners every workspace, newest first; other admins get 403 [V16.4.2]', async () => {
    const page = (await read(auditor.headers, { action: 'vault.' })).json<Page>();
    expect(actionsOf(page)).toEqual(['vault.create', 'vault.reveal', 'vault.reveal', 'vault.create']);
    expect(new Set(page.events.map((event) => event.workspaceId))).toEqual(new Set([reader.workspaceId, otherReader.workspaceId]));
    expect((await read(owner.headers, { action: 'vault.' })).statusCode).toBe(200);
    const refused = await read(admin.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_ROLE' });
  });

  it('filters by workspace, exact action, prefix, actor, target, outcome and time', async () => {
    const count = async (query: Record<string, string>) => (await read(auditor.headers, query)).json<Page>().events.length;
    expect(await count({ workspaceId: reader.workspaceId, action: 'vault.' })).toBe(3);
    expect(await count({ action: 'vault.reveal' })).toBe(2);
    // A prefix ends at the dot: `vaulted.odd` is not under `vault.`.
    expect(await count({ action: 'vault.' })).toBe(4);
    expect(await count({ actorType: 'api_key', actorId: 'KEYBBBBB' })).toBe(2);
    expect(await count({ targetType: 'vault_secret', targetId: 's1' })).toBe(3);
    expect(await count({ action: 'vault.', outcome: 'denied' })).toBe(1);
    const [row] = (
      await t.superuser.query<{ occurred_at: Date }>(
        `SELECT occurred_at FROM audit_log WHERE action = 'vault.reveal' AND outcome = 'denied'`,
      )
    ).rows;
    expect(await count({ action: 'vault.', from: row!.occurred_at.toISOString() })).toBe(2);
    expect(await count({ action: 'vault.', to: row!.occurred_at.toISOString() })).toBe(2);
  });

  it('pages newest first by cursor, and a page does not shift when rows arrive meanwhile', async () => {
    const first = (await read(auditor.headers, { action: 'vault.', limit: 3 })).json<Page>();
    expect(first.events).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    await t.superuser.query(
      `INSERT INTO audit_log (actor_type, action, outcome, workspace_id) VALUES ('system', 'vault.create', 'success', $1)`,
      [reader.workspaceId],
    );
    const second = (await read(auditor.headers, { action: 'vault.', limit: 3, cursor: first.nextCursor! })).json<Page>();
    expect(actionsOf(second)).toEqual(['vault.create']);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.events, ...second.events].map((event) => BigInt(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
  });

  it('shows a key its own workspace’s rows only, and never takes the workspace from the query [V16.4.2]', async () => {
    const own = (await read(reader.headers, { action: 'vault.' })).json<Page>();
    expect(new Set(own.events.map((event) => event.workspaceId))).toEqual(new Set([reader.workspaceId]));
    expect(own.events.length).toBeGreaterThanOrEqual(3);
    const foreign = await read(reader.headers, { workspaceId: otherReader.workspaceId });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ code: 'WORKSPACE_FROM_KEY' });
    const unscoped = await t.newKey({ workspace: reader.workspaceId, scopes: ['vault:read'], by: admin });
    const refused = await read(unscoped.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    expect((await read({})).statusCode).toBe(401);
  });

  it('states a key’s workspace and environment in its query, so its cost is its own rows’ and not the whole log’s', async () => {
    type Fetch = (filter: Record<string, unknown>, ...rest: unknown[]) => Promise<unknown[]>;
    const fetch = jest.spyOn(t.app.get<AuditEvents, { fetch: Fetch }>(AuditEvents), 'fetch');
    try {
      expect((await read(reader.headers, { outcome: 'denied' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/v1/audit/events/export', headers: reader.headers })).statusCode).toBe(200);
      expect(fetch.mock.calls.map(([filter]) => filter)).toEqual([
        expect.objectContaining({ workspaceId: reader.workspaceId, environment: 'live', outcome: 'denied' }),
        expect.objectContaining({ workspaceId: reader.workspaceId, environment: 'live' }),
      ]);
      expect((await read(auditor.headers, {})).statusCode).toBe(200);
      expect(fetch.mock.calls[2]![0]).not.toHaveProperty('environment');
    } finally {
      fetch.mockRestore();
    }
  });

  it('keeps test and live apart: a test key reads test rows only, a live key never reads them', async () => {
    const sandbox = await t.newKey({ workspace: reader.workspaceId, scopes: ['audit:read'], environment: 'test', by: owner });
    await read({ ...sandbox.headers, 'x-request-id': 'req-test-env' }); // writes a test-environment audit.read row
    const testView = (await read(sandbox.headers)).json<Page>();
    expect(testView.events.length).toBeGreaterThan(0);
    expect(new Set(testView.events.map((event) => event.environment))).toEqual(new Set(['test']));
    const liveView = (await read(reader.headers)).json<Page>();
    expect(liveView.events.some((event) => event.environment === 'test')).toBe(false);
    expect(liveView.events.some((event) => event.environment === null)).toBe(true);
    const all = (await read(auditor.headers, { workspaceId: reader.workspaceId })).json<Page>();
    expect(all.events.some((event) => event.environment === 'test')).toBe(true);
    // What an admin did to a test key is a test row: the test key reads it, the live key does not.
    const aboutSandbox = (page: Page) =>
      page.events.filter((event) => event.target?.id === sandbox.id && event.action === 'api_key.create');
    expect(aboutSandbox(testView)).toMatchObject([{ actor: { type: 'admin' }, environment: 'test' }]);
    expect(aboutSandbox((await read(reader.headers, { targetType: 'api_key', targetId: sandbox.id })).json<Page>())).toEqual([]);
  });

  it('files what admins did to a workspace under that workspace', async () => {
    const page = (await read(auditor.headers, { workspaceId: reader.workspaceId, actorType: 'admin' })).json<Page>();
    expect(page.events.map((event) => event.action)).toEqual(expect.arrayContaining(['workspace.create', 'api_key.create']));
  });

  it('audits every read: who looked and with which filter', async () => {
    await read({ ...auditor.headers, 'x-request-id': 'req-audit-read-1' }, { action: 'vault.reveal', outcome: 'denied' });
    const { rows } = await t.superuser.query(
      `SELECT actor_type, actor_id, action, outcome, after, workspace_id FROM audit_log WHERE client_request_id = 'req-audit-read-1'`,
    );
    expect(rows).toEqual([
      {
        actor_type: 'admin',
        actor_id: auditor.id,
        action: 'audit.read',
        outcome: 'success',
        after: { filter: { action: 'vault.reveal', outcome: 'denied' } },
        workspace_id: null,
      },
    ]);
    await read({ ...reader.headers, 'x-request-id': 'req-audit-read-2' });
    const keyed = await t.superuser.query(`SELECT actor_type, workspace_id FROM audit_log WHERE client_request_id = 'req-audit-read-2'`);
    expect(keyed.rows).toEqual([{ actor_type: 'api_key', workspace_id: reader.workspaceId }]);
  });

  it('refuses a forged cursor and an oversized page with 400', async () => {
    expect((await read(auditor.headers, { cursor: Buffer.from('a:1 OR 1=1').toString('base64url') })).json()).toMatchObject({
      code: 'INVALID_CURSOR',
    });
    expect((await read(auditor.headers, { limit: 500 })).statusCode).toBe(400);
    expect((await read(auditor.headers, { action: "vault.' OR 1=1" })).statusCode).toBe(400);
  });

  describe('export', () => {
    const exportOf = (headers: Record<string, string>, query: Record<string, string>) =>
      t.app.inject({ method: 'GET', url: '/v1/audit/events/export', headers, query });

    it('streams the filtered rows newest first as NDJSON, a batch per round trip, and audits the export [V5.4.1 V16.2.4]', async () => {
      await t.superuser.query(
        `INSERT INTO audit_log (occurred_at, workspace_id, actor_type, action, outcome, after)
         SELECT now() - interval '2 hours' + make_interval(secs => n), $1, 'system', 'bulk.event', 'success', jsonb_build_object('n', n)
           FROM generate_series(1, 2500) n`,
        [otherReader.workspaceId],
      );
      const fetches = jest.spyOn(AuditEvents.prototype as unknown as { fetch: (...args: unknown[]) => unknown }, 'fetch');
      try {
        const response = await exportOf({ ...auditor.headers, 'x-request-id': 'req-export-1' }, { action: 'bulk.event' });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('application/x-ndjson');
        expect(response.headers['content-disposition']).toBe('attachment; filename="audit-events.ndjson"');
        const lines = response.body
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { action: string; after: { n: number } });
        expect(lines).toHaveLength(2500);
        expect(lines[0]!.after.n).toBe(2500);
        expect(lines.at(-1)!.after.n).toBe(1);
        // Three full batches at most in memory at any time: 1000 + 1000 + 500.
        expect(fetches.mock.calls.map((call) => call[2])).toEqual([AUDIT_EXPORT_BATCH, AUDIT_EXPORT_BATCH, AUDIT_EXPORT_BATCH]);
      } finally {
        fetches.mockRestore();
      }
      const { rows } = await t.superuser.query(`SELECT action, after FROM audit_log WHERE client_request_id = 'req-export-1'`);
      expect(rows).toEqual([{ action: 'audit.export', after: { filter: { action: 'bulk.event' } } }]);
    });

    it('writes CSV with a header, quotes every cell, and defuses formulas [V1.1.2 V1.2.10 V16.2.4]', async () => {
      await t.superuser.query(
        `INSERT INTO audit_log (workspace_id, actor_type, action, outcome, reason, user_agent)
         VALUES ($1, 'anonymous', 'csv.event', 'failure', '=HYPERLINK("http://evil")', 'agent "quoted"' || chr(13) || chr(10) || 'next')`,
        [reader.workspaceId],
      );
      const response = await exportOf(auditor.headers, { action: 'csv.event', format: 'csv' });
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      const [header, row] = response.body.split('\r\n');
      expect(header).toBe(
        'id,occurred_at,workspace_id,actor_type,actor_id,action,target_type,target_id,outcome,reason,client_ip,user_agent,request_id,client_request_id,environment,before,after',
      );
      expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(response.body).toContain('"agent ""quoted""\r\nnext"');
    });

    it('writes each NDJSON line by serialising the event: quotes, line breaks and markup stay inside their string [V1.1.2 V1.2.3]', async () => {
      const reason = '"},{"action":"forged"}\n{"action":"forged","x":"</script><script>alert(1)</script>';
      await t.superuser.query(
        `INSERT INTO audit_log (workspace_id, actor_type, action, outcome, reason) VALUES ($1, 'anonymous', 'ndjson.event', 'failure', $2)`,
        [reader.workspaceId, reason],
      );
      const response = await exportOf(auditor.headers, { action: 'ndjson.event' });
      const lines = response.body.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ action: 'ndjson.event', reason });
    });

    it('gives a key its own workspace only', async () => {
      const response = await exportOf(reader.headers, {});
      const workspaces = new Set(
        response.body
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { workspaceId: string }).workspaceId),
      );
      expect(workspaces).toEqual(new Set([reader.workspaceId]));
      expect((await exportOf(reader.headers, { workspaceId: otherReader.workspaceId })).statusCode).toBe(400);
    });
  });

  it('verifies the chain for auditors, and names a changed row', async () => {
    await t.app.get(AuditSealer).sealAll(0);
    const intact = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auditor.headers });
    expect(intact.statusCode).toBe(200);
    // Everything was sealed just before: nothing is left out of the report.
    expect(intact.json()).toMatchObject({ intact: true, firstBreak: null, unsealed: 0, oldestUnsealedAt: null });
    expect(intact.json<{ checked: number }>().checked).toBeGreaterThan(5);
    // The verification's own audit row is written after its report, and not sealed yet (the sealer waits for rows to settle).
    const after = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auditor.headers });
    const { rows: verifications } = await t.superuser.query<{ occurred_at: Date }>(
      "SELECT occurred_at FROM audit_log WHERE action = 'audit.verify' ORDER BY id DESC LIMIT 2",
    );
    expect(after.json()).toMatchObject({ intact: true, unsealed: 1, oldestUnsealedAt: verifications[1]!.occurred_at.toISOString() });

    const [victim] = (await t.superuser.query<{ id: string }>(`SELECT id FROM audit_log WHERE action = 'vault.reveal' ORDER BY id LIMIT 1`))
      .rows;
    await t.superuser.query('BEGIN');
    await t.superuser.query('SET LOCAL session_replication_role = replica');
    await t.superuser.query(`UPDATE audit_log SET outcome = 'failure' WHERE id = $1`, [victim!.id]);
    await t.superuser.query('COMMIT');
    const broken = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auditor.headers });
    expect(broken.json()).toMatchObject({ intact: false, firstBreak: { auditId: victim!.id, problem: 'row changed' } });
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: admin.headers })).statusCode).toBe(403);
  });

  it('publishes the action catalogue to auditors, owners and audit:read keys, and filters by its prefixes', async () => {
    const listed = await t.app.inject({ method: 'GET', url: '/v1/audit/actions', headers: auditor.headers });
    expect(listed.statusCode).toBe(200);
    const actions = listed.json<{ action: string; description: string }[]>();
    expect(actions.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['vault_secret.reveal', 'workspace.create', 'audit.verify']),
    );
    expect(actions.map((entry) => entry.action)).toEqual([...actions.map((entry) => entry.action)].sort());
    expect(actions.every((entry) => entry.description.length > 0)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/actions', headers: owner.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/actions', headers: admin.headers })).statusCode).toBe(403);
    const key = await t.newKey({ scopes: ['audit:read'], by: owner });
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/actions', headers: key.headers })).statusCode).toBe(200);
    const noScope = await t.newKey({ scopes: ['vault:read'], by: owner });
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/actions', headers: noScope.headers })).statusCode).toBe(403);
  });

  it('lets an auditor list and read workspaces (their names), never change one', async () => {
    const workspace = await t.newWorkspace({ name: 'Audited Co', by: owner });
    const list = await t.app.inject({ method: 'GET', url: '/v1/admin/workspaces?limit=200', headers: auditor.headers });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { id: string; name: string }[] }>().items).toContainEqual(
      expect.objectContaining({ id: workspace.id, name: 'Audited Co' }),
    );
    const one = await t.app.inject({ method: 'GET', url: `/v1/admin/workspaces/${workspace.id}`, headers: auditor.headers });
    expect(one.json()).toMatchObject({ id: workspace.id, name: 'Audited Co' });
    for (const [method, url, payload] of [
      ['POST', '/v1/admin/workspaces', { name: 'nope' }],
      ['PATCH', `/v1/admin/workspaces/${workspace.id}`, { name: 'nope' }],
      ['POST', `/v1/admin/workspaces/${workspace.id}/suspend`, undefined],
      ['DELETE', `/v1/admin/workspaces/${workspace.id}`, undefined],
      ['GET', `/v1/admin/workspaces/${workspace.id}/api-keys`, undefined],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: auditor.headers, ...(payload ? { payload } : {}) });
      expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 403 });
    }
  });
});
