import { JobRegistry } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_PURGE_JOB } from '../../apps/api/src/idempotency/idempotency-keys';
import { TestAdmin } from '../support/admin-session';
import { expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/**
 * `Idempotency-Key` on the creates whose answers carry no secret (docs/adr/0020): a workspace
 * (an admin's: each admin's own keys) and a vault secret (a key's workspace and environment).
 * Optional there: without it a create runs as before.
 */
describe('idempotent creates', () => {
  const t = useTestApp();
  let admin: TestAdmin;
  let other: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
    other = await t.newAdmin('owner');
  });

  const createWorkspace = (by: TestAdmin, name: string, idempotencyKey?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/admin/workspaces',
      headers: { ...by.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      payload: { name },
    });
  const workspacesNamed = async (name: string): Promise<string[]> =>
    (await t.superuser.query('SELECT id FROM workspaces WHERE name = $1 ORDER BY created_at', [name])).rows.map(
      (row: { id: string }) => row.id,
    );
  const auditRowsOf = async (ids: string[]): Promise<number> =>
    Number(
      (await t.superuser.query("SELECT count(*) FROM audit_log WHERE action = 'workspace.create' AND target_id = ANY($1)", [ids])).rows[0]
        .count,
    );

  it('makes one workspace for a retried create with the same key, and answers the retry with the first answer', async () => {
    const name = `retried ${randomUUID()}`;
    const key = randomUUID();
    const first = await createWorkspace(admin, name, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await createWorkspace(admin, name, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(retry.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    const made = await workspacesNamed(name);
    expect(made).toEqual([first.json<{ id: string }>().id]);
    expect(await auditRowsOf(made)).toBe(1);
    // The quoted form is the same key.
    expect((await createWorkspace(admin, name, `"${key}"`)).headers['idempotent-replayed']).toBe('true');
    expect(await workspacesNamed(name)).toHaveLength(1);
  });

  it('refuses the same key for another request (422), keeps each admin’s keys apart, and without a key creates as before', async () => {
    const name = `reused ${randomUUID()}`;
    const key = randomUUID();
    expect((await createWorkspace(admin, name, key)).statusCode).toBe(201);
    expectProblem(await createWorkspace(admin, `${name} (another)`, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    // Another admin's same key is another key: a workspace of its own.
    const theirs = await createWorkspace(other, name, key);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await workspacesNamed(name)).toHaveLength(2);
    expectProblem(await createWorkspace(admin, name, 'a b'), 400, 'IDEMPOTENCY_KEY_MALFORMED');

    const unkeyed = `unkeyed ${randomUUID()}`;
    expect((await createWorkspace(admin, unkeyed)).statusCode).toBe(201);
    expect((await createWorkspace(admin, unkeyed)).statusCode).toBe(201);
    expect(await workspacesNamed(unkeyed)).toHaveLength(2);

    const { rows } = await t.superuser.query('SELECT admin_id, created_by FROM admin_idempotency_keys WHERE key = $1 ORDER BY created_at', [
      key,
    ]);
    expect(rows).toEqual([
      { admin_id: admin.id, created_by: `admin:${admin.id}` },
      { admin_id: other.id, created_by: `admin:${other.id}` },
    ]);
  });

  it('hides an admin’s entries from another admin’s transaction (row-level security)', async () => {
    const key = randomUUID();
    expect((await createWorkspace(admin, `hidden ${key}`, key)).statusCode).toBe(201);
    // As the application's role (no policy bypass), on the platform path as each admin.
    const seen = (who: TestAdmin): Promise<number> =>
      t.app.get(DataSource).transaction(async (manager) => {
        await manager.query("SELECT set_config('app.platform', 'on', true), set_config('app.actor', $1, true)", [`admin:${who.id}`]);
        const rows = await manager.query<{ n: number }[]>('SELECT count(*)::int AS n FROM admin_idempotency_keys WHERE key = $1', [key]);
        return rows[0]!.n;
      });
    expect([await seen(admin), await seen(other)]).toEqual([1, 0]);
  });

  it('makes one vault secret for a retried create with the same key (no 409 for the retry)', async () => {
    const key = await t.newKey({ scopes: ['vault:write'], by: admin });
    const create = (idempotencyKey?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/vault/secrets',
        headers: { ...key.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        payload: { name: 'retried', value: 'v' },
      });
    const first = await create('vault-create-1');
    expect(first.statusCode).toBe(201);
    const retry = await create('vault-create-1');
    expect([retry.statusCode, retry.headers['idempotent-replayed'], retry.body]).toEqual([201, 'true', first.body]);
    expectProblem(await create(), 409, 'SECRET_EXISTS');
    const { rows } = await t.superuser.query('SELECT count(*)::int AS n FROM vault_secrets WHERE workspace_id = $1', [key.workspaceId]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('purges an admin’s expired entries with the workspaces’, and an expired key acts as new', async () => {
    const key = randomUUID();
    const name = `expiring ${key}`;
    expect((await createWorkspace(admin, name, key)).statusCode).toBe(201);
    await t.superuser.query(
      `UPDATE admin_idempotency_keys SET created_at = created_at - interval '25 hours', expires_at = expires_at - interval '25 hours' WHERE key = $1`,
      [key],
    );
    await t.app.get(JobRegistry).runNow(IDEMPOTENCY_PURGE_JOB);
    expect((await t.superuser.query('SELECT 1 FROM admin_idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);
    const again = await createWorkspace(admin, name, key);
    expect([again.statusCode, again.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(await workspacesNamed(name)).toHaveLength(2);
  });
});
