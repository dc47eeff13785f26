import { TestAdmin } from '../support/admin-session';
import { expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/** Workspaces, admin side: every change audited with before and after. */
describe('workspaces (admin)', () => {
  const t = useTestApp();
  let admin: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, requestId?: string) =>
    t.app.inject({
      method,
      url,
      headers: { ...admin.headers, ...(requestId ? { 'x-request-id': requestId } : {}) },
      ...(payload ? { payload } : {}),
    });

  it('creates, updates with before/after in the audit row, and lists', async () => {
    const created = await call('POST', '/v1/admin/workspaces', { name: 'Acme', allowedOrigins: ['https://acme.example'] });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    expect(created.json()).toMatchObject({ name: 'Acme', plan: 'standard', status: 'active', allowedOrigins: ['https://acme.example'] });
    const updated = await call('PATCH', `/v1/admin/workspaces/${id}`, { plan: 'enterprise', allowedOrigins: [] }, 'req-ws-update');
    expect(updated.json()).toMatchObject({ name: 'Acme', plan: 'enterprise', allowedOrigins: [] });
    const { rows } = await t.superuser.query('SELECT action, before, after FROM audit_log WHERE client_request_id = $1', ['req-ws-update']);
    expect(rows).toEqual([
      {
        action: 'workspace.update',
        before: { name: 'Acme', plan: 'standard', allowedOrigins: ['https://acme.example'] },
        after: { name: 'Acme', plan: 'enterprise', allowedOrigins: [] },
      },
    ]);
    const list = await call('GET', '/v1/admin/workspaces');
    expect(list.json<{ items: { id: string }[] }>().items.map((workspace) => workspace.id)).toContain(id);
  });

  it('refuses unknown fields and bad origins with a 400 [V1.2.2 V8.2.3 API3:2023]', async () => {
    const created = await call('POST', '/v1/admin/workspaces', { name: 'Strict' });
    const { id } = created.json<{ id: string }>();
    for (const payload of [
      { status: 'active' },
      { id: '00000000-0000-4000-8000-000000000000' },
      { allowedOrigins: ['javascript:alert(1)'] },
    ]) {
      expect((await call('PATCH', `/v1/admin/workspaces/${id}`, payload)).statusCode).toBe(400);
    }
  });

  it('soft-deletes: gone from every route, its keys refused at once, its rows kept', async () => {
    const key = await t.newKey({ by: admin });
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/admin/workspaces/${key.workspaceId}`)).statusCode).toBe(204);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v1/workspace',
      headers: { ...key.headers, 'x-request-id': 'req-ws-deleted' },
    });
    expect(refused.statusCode).toBe(401);
    expect((await t.superuser.query('SELECT reason FROM audit_log WHERE client_request_id = $1', ['req-ws-deleted'])).rows).toEqual([
      { reason: 'workspace_deleted' },
    ]);
    for (const [method, url] of [
      ['GET', `/v1/admin/workspaces/${key.workspaceId}`],
      ['PATCH', `/v1/admin/workspaces/${key.workspaceId}`],
      ['DELETE', `/v1/admin/workspaces/${key.workspaceId}`],
      ['POST', `/v1/admin/workspaces/${key.workspaceId}/reactivate`],
      ['GET', `/v1/admin/workspaces/${key.workspaceId}/api-keys`],
    ] as const) {
      expect({ method, url, status: (await call(method, url, method === 'PATCH' ? { name: 'x' } : undefined)).statusCode }).toEqual({
        method,
        url,
        status: 404,
      });
    }
    const listed = await call('GET', '/v1/admin/workspaces');
    expect(listed.json<{ items: { id: string }[] }>().items.map((workspace) => workspace.id)).not.toContain(key.workspaceId);
    const [row] = (
      await t.superuser.query('SELECT status, deleted_at IS NOT NULL AS stamped FROM workspaces WHERE id = $1', [key.workspaceId])
    ).rows;
    expect(row).toEqual({ status: 'deleted', stamped: true });
  });

  it('lists by name (contains, any case, taken literally) and by status, paging on under the same filters [V1.2.4]', async () => {
    const tag = `flt${Date.now().toString(36)}`;
    const names = [`Orchid ${tag} one`, `orchid ${tag} two`, `ORCHID ${tag} three`, `Other ${tag}`, `100%_${tag}`];
    const made: { id: string }[] = [];
    for (const name of names) made.push((await call('POST', '/v1/admin/workspaces', { name })).json<{ id: string }>());
    const [a, b, c, d, e] = made.map((workspace) => workspace.id) as [string, string, string, string, string];
    expect((await call('POST', `/v1/admin/workspaces/${c}/suspend`)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/admin/workspaces/${d}`)).statusCode).toBe(204);
    const ids = async (query: string) => {
      const response = await call('GET', `/v1/admin/workspaces?${query}`);
      expect(response.statusCode).toBe(200);
      return response.json<{ items: { id: string; status: string }[] }>().items.map((workspace) => workspace.id);
    };
    const search = (text: string) => `search=${encodeURIComponent(text)}`;

    expect(await ids(search(`orchid ${tag}`))).toEqual([c, b, a]);
    expect(await ids(`${search(`ORCHID ${tag}`)}&status=suspended`)).toEqual([c]);
    expect(await ids(`status=active&${search(`Orchid ${tag}`)}`)).toEqual([b, a]);
    // A deleted workspace is not listed, whatever the filter; the text is not a LIKE pattern.
    expect(await ids(search(tag))).toEqual([e, c, b, a]);
    expect(await ids(search(`%_${tag}`))).toEqual([e]);
    expect(await ids(search(`%${tag} t`))).toEqual([]);
    const suspended = await call('GET', `/v1/admin/workspaces?status=suspended`);
    expect(suspended.json<{ items: { status: string }[] }>().items.every((workspace) => workspace.status === 'suspended')).toBe(true);

    // Keyset pages under a filter: each row once, newest first, the last page's cursor null.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await call(
        'GET',
        `/v1/admin/workspaces?${search(`orchid ${tag}`)}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      expect(page.items).toHaveLength(1);
      seen.push(page.items[0]!.id);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([c, b, a]);

    // An auditor reads the filtered list too.
    const auditor = await t.newAdmin('auditor');
    const read = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/workspaces?status=suspended&${search(tag)}`,
      headers: auditor.headers,
    });
    expect(read.json<{ items: { id: string }[] }>().items.map((workspace) => workspace.id)).toEqual([c]);

    for (const [query, field] of [
      ['status=deleted', 'status'],
      ['status=ACTIVE', 'status'],
      ['search=', 'search'],
      [search('x'.repeat(201)), 'search'],
      [`${search('a')}&search=b`, 'search'],
    ] as const) {
      const response = await call('GET', `/v1/admin/workspaces?${query}`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.json()).toMatchObject({ errors: [{ field }] });
    }
  });

  it('answers 404 for an unknown workspace', async () => {
    expect((await call('GET', '/v1/admin/workspaces/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await call('POST', '/v1/admin/workspaces/00000000-0000-4000-8000-000000000000/suspend')).statusCode).toBe(404);
  });
});
