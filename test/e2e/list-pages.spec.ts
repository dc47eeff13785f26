import { AdminSessions } from '../../apps/api/src/admin-identity/sessions/admin-sessions';
import { UnitOfWork } from '@ringfence/tenancy';
import { TestAdmin } from '../support/admin-session';
import { expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Every list pages the same way (docs/routes.md): `limit` (1 to 200, 50 by default) and
 * `cursor` (the previous page's `nextCursor`), keyset pages that neither repeat nor skip an
 * item; a cursor this API did not give, or a query parameter a route does not take, is a 400.
 */
describe('list pages', () => {
  const t = useTestApp();
  let owner: TestAdmin;

  beforeAll(async () => {
    owner = await t.newAdmin('owner');
  });

  const get = (headers: Record<string, string>, url: string) => t.app.inject({ method: 'GET', url, headers });

  /** Every page of `url` at `limit` a page, in order. */
  async function walk<T>(headers: Record<string, string>, url: string, limit: number, until?: (seen: T[]) => boolean): Promise<T[][]> {
    const pages: T[][] = [];
    let cursor: string | null = null;
    do {
      const separator = url.includes('?') ? '&' : '?';
      const response = await get(headers, `${url}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page<T>>();
      expect(page.items.length).toBeLessThanOrEqual(limit);
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor !== null && !until?.(pages.flat()));
    return pages;
  }

  it("pages a workspace's API keys, newest first, for an admin (both environments) and for a key (its own)", async () => {
    const manager = await t.newKey({ scopes: ['keys:manage'], by: owner });
    const keys = [manager];
    for (let i = 0; i < 3; i += 1) keys.push(await t.newKey({ workspace: manager.workspaceId, by: owner }));
    const sandbox = await t.newKey({ workspace: manager.workspaceId, environment: 'test', by: owner });

    const pages = await walk<{ id: string }>(owner.headers, `/v1/admin/workspaces/${manager.workspaceId}/api-keys`, 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((key) => key.id)).toEqual([...keys, sandbox].map((key) => key.id).reverse());

    const own = await walk<{ id: string }>(manager.headers, '/v1/api-keys', 3);
    expect(own.map((page) => page.length)).toEqual([3, 1]);
    expect(own.flat().map((key) => key.id)).toEqual(keys.map((key) => key.id).reverse());
  });

  it("pages the vault's secrets by name", async () => {
    const key = await t.newKey({ scopes: ['vault:read', 'vault:write'], by: owner });
    for (const name of ['charlie', 'alpha', 'delta', 'bravo', 'echo']) {
      const created = await t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: key.headers, payload: { name, value: 'v' } });
      expect(created.statusCode).toBe(201);
    }
    const pages = await walk<{ name: string }>(key.headers, '/v1/vault/secrets', 2);
    expect(pages.map((page) => page.map((secret) => secret.name))).toEqual([['alpha', 'bravo'], ['charlie', 'delta'], ['echo']]);
    expect((await get(key.headers, '/v1/vault/secrets')).json<Page<unknown>>()).toMatchObject({ nextCursor: null });
  });

  it('pages workspaces and admins, newest first, without repeating one, whatever else the database holds', async () => {
    const made: { id: string }[] = [];
    for (let i = 0; i < 3; i += 1) made.push(await t.newWorkspace({ name: `paged ${i}`, by: owner }));
    const seen = (
      await walk<{ id: string }>(owner.headers, '/v1/admin/workspaces', 2, (all) => made.every((ws) => all.some((w) => w.id === ws.id)))
    ).flat();
    expect(new Set(seen.map((workspace) => workspace.id)).size).toBe(seen.length);
    expect(seen.map((workspace) => workspace.id).filter((id) => made.some((ws) => ws.id === id))).toEqual(
      made.map((ws) => ws.id).reverse(),
    );

    const admins = [await t.newAdmin('auditor'), await t.newAdmin('admin')];
    const listed = (
      await walk<{ id: string }>(owner.headers, '/v1/admin/admins', 1, (all) => admins.every((a) => all.some((b) => b.id === a.id)))
    ).flat();
    expect(new Set(listed.map((admin) => admin.id)).size).toBe(listed.length);
    expect(listed.map((admin) => admin.id).filter((id) => admins.some((admin) => admin.id === id))).toEqual([admins[1]!.id, admins[0]!.id]);
  });

  it("pages an admin's own sessions, newest first", async () => {
    const admin = await t.newAdmin('auditor');
    const opened = [];
    for (let i = 0; i < 2; i += 1) {
      opened.push(
        await t.app
          .get(UnitOfWork)
          .run(() => t.app.get(AdminSessions).open(admin.id, { stage: 'full', secondFactor: true, cookie: false }), {
            principal: { kind: 'system', process: 'test' },
          }),
      );
    }
    const pages = await walk<{ id: string; current: boolean }>(admin.headers, '/v1/auth/sessions', 1);
    expect(pages.map((page) => page.length)).toEqual([1, 1, 1]);
    expect(pages.flat().map((session) => session.id)).toEqual([opened[1]!.sessionId, opened[0]!.sessionId, admin.session.sessionId]);
    expect(pages.flat().map((session) => session.current)).toEqual([false, false, true]);
  });

  it('refuses a cursor it did not give, and a limit out of range, as a 400 naming the field', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'nonsense',
      forged(['yesterday', '00000000-0000-4000-8000-000000000000']),
      forged(['2026-01-01T00:00:00Z']),
      forged([1, 2]),
      forged(['2026-99-01 00:00:00+00', '00000000-0000-4000-8000-000000000000']),
      forged(['2026-02-30 25:00:00+00', '00000000-0000-4000-8000-000000000000']),
    ]) {
      const response = await get(owner.headers, `/v1/admin/workspaces?cursor=${encodeURIComponent(cursor)}`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.json()).toMatchObject({ errors: [{ field: 'cursor' }] });
    }
    for (const limit of ['0', '201', 'many']) {
      const response = await get(owner.headers, `/v1/admin/admins?limit=${limit}`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.json()).toMatchObject({ errors: [{ field: 'limit' }] });
    }
  });

  it('refuses a query parameter a route does not take, as an unknown body field, once the caller is known [V2.2.1]', async () => {
    const key = await t.newKey({ scopes: ['vault:read', 'transfers:read'], by: owner });
    for (const [headers, url] of [
      [key.headers, '/v1/workspace?verbose=1'],
      [key.headers, '/v1/vault/secrets?limit=2&sort=name'],
      [key.headers, '/v1/transfers?order=asc'],
      [owner.headers, '/v1/admin/workspaces?sort=name'],
      [owner.headers, '/v1/auth/me?x=1'],
    ] as const) {
      const response = await get(headers, url);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      const field = [...new URL(url, 'http://x').searchParams.keys()].find((name) => name !== 'limit');
      expect(response.json()).toMatchObject({ errors: [{ field, messages: [`property ${field} should not exist`] }] });
    }
    // Without a credential, the gate answers first, as it does before a body is validated.
    expectProblem(await get({}, '/v1/workspace?verbose=1'), 401, 'UNAUTHENTICATED');
    expect((await get(key.headers, '/v1/workspace')).statusCode).toBe(200);
  });
});
