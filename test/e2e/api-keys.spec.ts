import { LightMyRequestResponse } from 'fastify';
import { withChecksum } from '../../apps/api/src/workspaces/api-keys/api-key-format';
import { TestAdmin } from '../support/admin-session';
import { createApiKeyThroughRoutes, TestKey } from '../support/api-key';
import { useTestApp } from '../support/use-test-app';

/** Workspace API keys: shown once, stored hashed, every refusal the same 401 with its reason audited. */
describe('workspace API keys', () => {
  // Each test plays its own client address (the per-address limit has its own test).
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  let admin: TestAdmin;
  let live: TestKey;

  beforeAll(async () => {
    admin = await t.newAdmin('owner');
    // Through the route: the key this spec follows into logs and audit rows is one the API handed out.
    live = await createApiKeyThroughRoutes(t, admin, { scopes: ['vault:read', 'audit:read'] });
  });

  const whoAmI = (headers: Record<string, string>, url = '/v1/workspace') => t.app.inject({ method: 'GET', url, headers });
  const auditOf = async (requestId: string) =>
    (await t.superuser.query('SELECT action, outcome, reason, target_id FROM audit_log WHERE client_request_id = $1', [requestId])).rows;
  const comparable = (response: LightMyRequestResponse) => {
    const { requestId: _requestId, ...body } = response.json<Record<string, unknown>>();
    return { status: response.statusCode, body, authenticate: response.headers['www-authenticate'] };
  };

  it('shows the calling key and its workspace, and never the key or its hash [V8.2.3 V15.3.1 API3:2023]', async () => {
    const response = await whoAmI(live.headers);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      workspaceId: live.workspaceId,
      keyId: live.id,
      scopes: ['vault:read', 'audit:read'],
      environment: 'live',
    });
    expect(response.body).not.toContain(live.key.slice(16));
    const list = await t.app.inject({ method: 'GET', url: `/v1/admin/workspaces/${live.workspaceId}/api-keys`, headers: admin.headers });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(live.key);
    expect(list.body).not.toMatch(/hash|pepper/i);
  });

  it('stores only a peppered hash, and the key reaches no log line or audit row [V16.2.5 API2:2023]', async () => {
    const [row] = (await t.superuser.query('SELECT secret_hash, pepper_version FROM api_keys WHERE key_id = $1', [live.id])).rows;
    expect(row.secret_hash).toHaveLength(32);
    expect(row.pepper_version).toBe(1);
    const { rows } = await t.superuser.query('SELECT row_to_json(a)::text AS row FROM audit_log a');
    expect(rows.map((r) => r.row as string).join('\n')).not.toContain(live.key);
    expect(t.rawLogs()).not.toContain(live.key);
  });

  it('answers every refusal with the same 401 and audits its real reason [V14.2.1 V16.3.1 API2:2023]', async () => {
    const secret = live.key.slice(16, 48);
    const other = await t.newKey({ workspace: live.workspaceId, by: admin });
    const cases: [string, Record<string, string>, string | null, string?][] = [
      ['malformed', { authorization: 'Bearer rf_live_short' }, 'malformed'],
      ['bad checksum', { authorization: `Bearer ${live.key.slice(0, -1)}${live.key.endsWith('0') ? '1' : '0'}` }, 'bad_checksum'],
      ['unknown id', { authorization: `Bearer ${withChecksum(`rf_live_ZZZZZZZZ${secret}`)}` }, 'unknown_key'],
      ['wrong secret', { authorization: `Bearer ${withChecksum(`rf_live_${live.id}${'0'.repeat(32)}`)}` }, 'wrong_secret'],
      ['another key’s secret', { authorization: `Bearer ${withChecksum(`rf_live_${live.id}${other.key.slice(16, 48)}`)}` }, 'wrong_secret'],
      // The hash covers the prefix: a live key re-labelled as a test key is simply not that key.
      ['the other environment', { authorization: `Bearer ${withChecksum(`rf_test_${live.key.slice(8, 48)}`)}` }, 'wrong_secret'],
      ['a key in the query string', live.headers, 'key_in_query', `/v1/workspace?api_key=${live.key}`],
      // Everything after the first `?` is the query, a second `?` included.
      ['a key after a second ?', live.headers, 'key_in_query', `/v1/workspace?a=1?api_key=${live.key}`],
      ['no credentials', {}, null],
    ];
    const answers: unknown[] = [];
    for (const [name, headers, reason, url] of cases) {
      const requestId = `req-key-${name.replace(/\W+/g, '-')}`;
      const response = await whoAmI({ ...headers, 'x-request-id': requestId }, url);
      answers.push(comparable(response));
      expect({ name, audit: await auditOf(requestId) }).toEqual({
        name,
        audit: reason ? [expect.objectContaining({ action: 'auth.api_key', outcome: 'failure', reason })] : [],
      });
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a key whose stored environment does not match its prefix', async () => {
    const key = await t.newKey({ workspace: live.workspaceId, by: admin });
    await t.superuser.query(`UPDATE api_keys SET environment = 'test' WHERE key_id = $1`, [key.id]);
    expect((await whoAmI({ ...key.headers, 'x-request-id': 'req-key-env' })).statusCode).toBe(401);
    expect(await auditOf('req-key-env')).toMatchObject([{ reason: 'environment_mismatch', target_id: key.id }]);
  });

  it('honours an imported legacy wildcard key, and refuses to rotate it into a new wildcard', async () => {
    const [{ generateApiKey }, { ApiKeyPeppers }] = await Promise.all([
      import('../../apps/api/src/workspaces/api-keys/api-key-format'),
      import('../../apps/api/src/workspaces/api-keys/api-key-peppers'),
    ]);
    const imported = generateApiKey('live');
    const { hash, pepperVersion } = t.app.get(ApiKeyPeppers).hashForStorage(imported.key);
    await t.superuser.query(
      `INSERT INTO api_keys (workspace_id, key_id, environment, name, scopes, secret_hash, pepper_version, created_by)
       VALUES ($1, $2, 'live', 'legacy', '{}', $3, $4, 'import')`,
      [live.workspaceId, imported.keyId, hash, pepperVersion],
    );
    const headers = { authorization: `Bearer ${imported.key}` };
    expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers })).statusCode).toBe(200);
    const rotate = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/workspaces/${live.workspaceId}/api-keys/${imported.keyId}/rotate`,
      headers: admin.headers,
      payload: { gracePeriodSeconds: 60 },
    });
    expect(rotate.statusCode).toBe(403);
    expect(rotate.json()).toMatchObject({ code: 'WILDCARD_KEY_REFUSED' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers })).statusCode).toBe(200);
  });

  it('refuses a revoked key and an expired key from the next request on', async () => {
    const revoked = await t.newKey({ workspace: live.workspaceId, by: admin });
    expect((await whoAmI(revoked.headers)).statusCode).toBe(200);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${live.workspaceId}/api-keys/${revoked.id}`,
      headers: admin.headers,
    });
    expect(revoke.statusCode).toBe(204);
    const afterRevoke = await whoAmI({ ...revoked.headers, 'x-request-id': 'req-key-revoked' });
    expect(afterRevoke.statusCode).toBe(401);
    expect(await auditOf('req-key-revoked')).toMatchObject([{ reason: 'revoked', target_id: revoked.id }]);

    const expiring = await t.newKey({ workspace: live.workspaceId, by: admin });
    await t.superuser.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1`, [expiring.id]);
    expect((await whoAmI({ ...expiring.headers, 'x-request-id': 'req-key-expired' })).statusCode).toBe(401);
    expect(await auditOf('req-key-expired')).toMatchObject([{ reason: 'expired' }]);
  });

  it('refuses every key of a suspended workspace at once, and takes them back on reactivation', async () => {
    const key = await t.newKey({ by: admin });
    const suspend = await t.app.inject({ method: 'POST', url: `/v1/admin/workspaces/${key.workspaceId}/suspend`, headers: admin.headers });
    expect(suspend.json()).toMatchObject({ status: 'suspended' });
    expect((await whoAmI({ ...key.headers, 'x-request-id': 'req-key-suspended' })).statusCode).toBe(401);
    expect(await auditOf('req-key-suspended')).toMatchObject([{ reason: 'workspace_suspended' }]);
    await t.app.inject({ method: 'POST', url: `/v1/admin/workspaces/${key.workspaceId}/reactivate`, headers: admin.headers });
    expect((await whoAmI(key.headers)).statusCode).toBe(200);
  });

  it('refuses wildcard, unknown-scope and mass-assigned key requests with a 400 [V8.2.3 V15.3.3 API3:2023]', async () => {
    const create = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: `/v1/admin/workspaces/${live.workspaceId}/api-keys`, headers: admin.headers, payload });
    for (const payload of [
      { name: 'wildcard', scopes: [], environment: 'live' },
      { name: 'unknown', scopes: ['vault:read', 'vault:everything'], environment: 'live' },
      { name: 'mass', scopes: ['vault:read'], environment: 'live', workspaceId: '00000000-0000-4000-8000-000000000000' },
      { name: 'mass', scopes: ['vault:read'], environment: 'live', secretHash: 'x', pepperVersion: 9 },
      { name: 'past', scopes: ['vault:read'], environment: 'live', expiresAt: '2020-01-01T00:00:00Z' },
      { name: 'env', scopes: ['vault:read'], environment: 'prod' },
    ]) {
      const response = await create(payload);
      expect({ payload, status: response.statusCode }).toEqual({ payload, status: 400 });
    }
  });

  it('answers 404 for another workspace’s key or an unknown workspace, and changes nothing [V8.2.2 API1:2023]', async () => {
    const elsewhere = await t.newKey({ by: admin });
    const crossed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${live.workspaceId}/api-keys/${elsewhere.id}`,
      headers: admin.headers,
    });
    expect(crossed.statusCode).toBe(404);
    expect((await whoAmI(elsewhere.headers)).statusCode).toBe(200);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/workspaces/00000000-0000-4000-8000-000000000000/api-keys',
      headers: admin.headers,
      payload: { name: 'x', scopes: ['vault:read'], environment: 'live' },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('audits key creation without the key', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/workspaces/${live.workspaceId}/api-keys`,
      headers: { ...admin.headers, 'x-request-id': 'req-key-create' },
      payload: { name: 'audited', scopes: ['audit:read'], environment: 'test' },
    });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json<{ key: string; id: string }>();
    expect(key).toMatch(/^rf_test_/);
    const [row] = await auditOf('req-key-create');
    expect(row).toMatchObject({ action: 'api_key.create', outcome: 'success', target_id: id });
    const [{ after }] = (await t.superuser.query(`SELECT after::text FROM audit_log WHERE client_request_id = 'req-key-create'`)).rows;
    expect(after).not.toContain(key.slice(16));
  });

  describe('self-serve keys (/v1/api-keys, keys:manage)', () => {
    let manager: TestKey;

    beforeAll(async () => {
      manager = await t.newKey({ scopes: ['keys:manage', 'vault:read'], environment: 'test', by: admin });
    });

    const ownCreate = (key: TestKey, payload: Record<string, unknown>, requestId?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { ...key.headers, ...(requestId ? { 'x-request-id': requestId } : {}) },
        payload,
      });

    it('issues keys in the caller’s workspace and environment, with at most the caller’s scopes [V8.2.1 API5:2023]', async () => {
      const created = await ownCreate(manager, { name: 'reader', scopes: ['vault:read'] });
      expect(created.statusCode).toBe(201);
      const body = created.json<{ key: string; environment: string; scopes: string[] }>();
      expect(body).toMatchObject({ environment: 'test', scopes: ['vault:read'] });
      expect(body.key).toMatch(/^rf_test_/);
      const who = await whoAmI({ authorization: `Bearer ${body.key}` });
      expect(who.json()).toMatchObject({ workspaceId: manager.workspaceId, environment: 'test' });

      const beyond = await ownCreate(manager, { name: 'greedy', scopes: ['vault:read', 'vault:reveal'] });
      expect(beyond.statusCode).toBe(403);
      expect(beyond.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      for (const payload of [
        { name: 'wildcard', scopes: [] },
        { name: 'moved', scopes: ['vault:read'], workspaceId: live.workspaceId },
        { name: 'env', scopes: ['vault:read'], environment: 'live' },
      ]) {
        expect((await ownCreate(manager, payload)).statusCode).toBe(400);
      }
    });

    it('refuses a key without keys:manage with 403 INSUFFICIENT_SCOPE, and audits it [V16.3.2]', async () => {
      const response = await ownCreate(live, { name: 'nope', scopes: ['vault:read'] }, 'req-key-scope');
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      const { rows } = await t.superuser.query(
        'SELECT action, outcome, reason, actor_type, actor_id, workspace_id FROM audit_log WHERE client_request_id = $1',
        ['req-key-scope'],
      );
      expect(rows).toEqual([
        {
          action: 'auth.authorize',
          outcome: 'denied',
          reason: 'insufficient_scope',
          actor_type: 'api_key',
          actor_id: live.id,
          workspace_id: live.workspaceId,
        },
      ]);
    });

    it('lists and revokes only its own workspace’s keys (another workspace’s key is a 404) [V8.2.2 V8.4.1 API1:2023]', async () => {
      const list = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: manager.headers });
      expect(list.statusCode).toBe(200);
      const ids = list.json<{ items: { id: string }[] }>().items.map((key) => key.id);
      expect(ids).toContain(manager.id);
      expect(ids).not.toContain(live.id);
      const foreign = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${live.id}`, headers: manager.headers });
      expect(foreign.statusCode).toBe(404);
      expect((await whoAmI(live.headers)).statusCode).toBe(200);
    });

    it('keeps test and live apart in one workspace: neither sees, rotates nor revokes the other’s keys [V8.2.2 API1:2023]', async () => {
      const liveKey = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:read'], environment: 'live', by: admin });
      const liveManager = await t.newKey({ workspace: manager.workspaceId, scopes: ['keys:manage'], environment: 'live', by: admin });
      const testIds = (await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: manager.headers })).json<{
        items: { id: string; environment: string }[];
      }>().items;
      expect(testIds.map((key) => key.id)).not.toContain(liveKey.id);
      expect(new Set(testIds.map((key) => key.environment))).toEqual(new Set(['test']));
      const liveIds = (await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: liveManager.headers })).json<{
        items: { id: string; environment: string }[];
      }>().items;
      expect(liveIds.map((key) => key.id)).toEqual(expect.arrayContaining([liveKey.id, liveManager.id]));
      expect(liveIds.map((key) => key.id)).not.toContain(manager.id);

      expect((await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${liveKey.id}`, headers: manager.headers })).statusCode).toBe(404);
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: `/v1/api-keys/${liveKey.id}/rotate`,
            headers: manager.headers,
            payload: { gracePeriodSeconds: 0 },
          })
        ).statusCode,
      ).toBe(404);
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${manager.id}`, headers: liveManager.headers })).statusCode).toBe(
        404,
      );
      expect((await whoAmI(liveKey.headers)).statusCode).toBe(200);
      expect((await whoAmI(manager.headers)).statusCode).toBe(200);
    });

    describe('the grant rule holds on every path that makes or manages a key', () => {
      // manager holds keys:manage and vault:read; the target holds more than that.
      const rotate = (key: TestKey, id: string) =>
        t.app.inject({ method: 'POST', url: `/v1/api-keys/${id}/rotate`, headers: key.headers, payload: { gracePeriodSeconds: 0 } });
      const revoke = (key: TestKey, id: string) => t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: key.headers });
      const keysIn = async (workspaceId: string) =>
        Number((await t.superuser.query('SELECT count(*) FROM api_keys WHERE workspace_id = $1', [workspaceId])).rows[0].count);

      it('rotate: refuses to mint a key with scopes the caller lacks, and leaves the target working [V8.2.1 API5:2023]', async () => {
        const revealer = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:reveal'], environment: 'test', by: admin });
        const narrow = await t.newKey({ workspace: manager.workspaceId, scopes: ['keys:manage'], environment: 'test', by: admin });
        const before = await keysIn(manager.workspaceId);
        const response = await rotate(narrow, revealer.id);
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
        expect(response.body).not.toMatch(/rf_(live|test)_/);
        expect(await keysIn(manager.workspaceId)).toBe(before);
        expect((await whoAmI(revealer.headers)).statusCode).toBe(200);
        // A caller holding every scope of the target may rotate it.
        const wide = await t.newKey({
          workspace: manager.workspaceId,
          scopes: ['keys:manage', 'vault:reveal'],
          environment: 'test',
          by: admin,
        });
        expect((await rotate(wide, revealer.id)).statusCode).toBe(201);
      });

      it('revoke: a narrow key cannot switch off a wider one [V8.2.1 API5:2023]', async () => {
        const revealer = await t.newKey({
          workspace: manager.workspaceId,
          scopes: ['vault:reveal', 'vault:read'],
          environment: 'test',
          by: admin,
        });
        const response = await revoke(manager, revealer.id);
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
        expect((await whoAmI(revealer.headers)).statusCode).toBe(200);
        const reader = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:read'], environment: 'test', by: admin });
        expect((await revoke(manager, reader.id)).statusCode).toBe(204);
      });

      it('a legacy wildcard key is rotated or revoked only by another wildcard key', async () => {
        const wildcard = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:read'], environment: 'test', by: admin });
        await t.superuser.query(`UPDATE api_keys SET scopes = '{}' WHERE key_id = $1`, [wildcard.id]);
        expect((await revoke(manager, wildcard.id)).json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
        expect((await rotate(manager, wildcard.id)).json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      });

      it('create and rotate: no key outlives the key that made it [V8.2.1 API5:2023]', async () => {
        const shortLived = await t.newKey({
          workspace: manager.workspaceId,
          scopes: ['keys:manage', 'vault:read'],
          environment: 'test',
          by: admin,
        });
        await t.superuser.query(`UPDATE api_keys SET expires_at = now() + interval '1 hour' WHERE key_id = $1`, [shortLived.id]);
        // (Not yet used, so not cached: its first request reads the new expiry.)
        const caller = shortLived;
        const later = new Date(Date.now() + 48 * 3600_000).toISOString();

        const beyond = await ownCreate(caller, { name: 'longer', scopes: ['vault:read'], expiresAt: later });
        expect(beyond.statusCode).toBe(403);
        expect(beyond.json()).toMatchObject({ code: 'EXPIRY_BEYOND_CALLER' });
        const inherited = await ownCreate(caller, { name: 'no expiry asked', scopes: ['vault:read'] });
        expect(inherited.statusCode).toBe(201);
        const eternal = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:read'], environment: 'test', by: admin });
        const rotated = await rotate(caller, eternal.id);
        expect(rotated.statusCode).toBe(201);
        const [callerRow] = (await t.superuser.query('SELECT expires_at FROM api_keys WHERE key_id = $1', [shortLived.id])).rows;
        for (const made of [inherited, rotated]) {
          const { expiresAt } = made.json<{ expiresAt: string | null }>();
          expect(expiresAt).not.toBeNull();
          expect(new Date(expiresAt!).getTime()).toBeLessThanOrEqual((callerRow.expires_at as Date).getTime());
        }
      });

      it('an admin grants no scope its role may not use itself (audit:read, vault:reveal), on create or rotate, and still revokes any key [V8.2.1 API5:2023]', async () => {
        const plainAdmin = await t.newAdmin('admin');
        const create = (scopes: string[]) =>
          t.app.inject({
            method: 'POST',
            url: `/v1/admin/workspaces/${manager.workspaceId}/api-keys`,
            headers: plainAdmin.headers,
            payload: { name: 'minted', scopes, environment: 'test' },
          });
        for (const scopes of [['audit:read'], ['vault:reveal'], ['vault:read', 'vault:reveal']]) {
          const refused = await create(scopes);
          expect({ scopes, status: refused.statusCode }).toEqual({ scopes, status: 403 });
          expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_ROLE' });
        }
        expect((await create(['vault:read', 'keys:manage'])).statusCode).toBe(201);
        const revealer = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:reveal'], environment: 'test', by: admin });
        const rotated = await t.app.inject({
          method: 'POST',
          url: `/v1/admin/workspaces/${manager.workspaceId}/api-keys/${revealer.id}/rotate`,
          headers: plainAdmin.headers,
          payload: { gracePeriodSeconds: 0 },
        });
        expect(rotated.statusCode).toBe(403);
        expect(rotated.json()).toMatchObject({ code: 'INSUFFICIENT_ROLE' });
        expect((await whoAmI(revealer.headers)).statusCode).toBe(200);
        const revoked = await t.app.inject({
          method: 'DELETE',
          url: `/v1/admin/workspaces/${manager.workspaceId}/api-keys/${revealer.id}`,
          headers: plainAdmin.headers,
        });
        expect(revoked.statusCode).toBe(204);
        expect((await whoAmI(revealer.headers)).statusCode).toBe(401);
      });

      it('admins keep granting any scope and lifetime through the same service', async () => {
        const target = await t.newKey({
          workspace: manager.workspaceId,
          scopes: ['vault:reveal', 'keys:manage'],
          environment: 'test',
          by: admin,
        });
        const response = await t.app.inject({
          method: 'POST',
          url: `/v1/admin/workspaces/${manager.workspaceId}/api-keys/${target.id}/rotate`,
          headers: admin.headers,
          payload: { gracePeriodSeconds: 0 },
        });
        expect(response.statusCode).toBe(201);
        expect(response.json()).toMatchObject({ scopes: ['vault:reveal', 'keys:manage'], expiresAt: null });
      });
    });

    it('rotates a key: the new one works at once, the old one until the grace period ends', async () => {
      const old = await t.newKey({ workspace: manager.workspaceId, scopes: ['vault:read'], environment: 'test', by: admin });
      const rotated = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${old.id}/rotate`,
        headers: manager.headers,
        payload: { gracePeriodSeconds: 3600 },
      });
      expect(rotated.statusCode).toBe(201);
      const next = rotated.json<{ key: string; id: string; scopes: string[] }>();
      expect(next.scopes).toEqual(['vault:read']);
      expect((await whoAmI({ authorization: `Bearer ${next.key}` })).statusCode).toBe(200);
      expect((await whoAmI(old.headers)).statusCode).toBe(200);
      const [row] = (
        await t.superuser.query(
          `SELECT expires_at > now() + interval '59 minutes' AS later, expires_at < now() + interval '61 minutes' AS bounded FROM api_keys WHERE key_id = $1`,
          [old.id],
        )
      ).rows;
      expect(row).toEqual({ later: true, bounded: true });
      // The list says which key replaced the old one, and that the new one is replaced by none.
      const listed = await t.app.inject({ method: 'GET', url: '/v1/api-keys?limit=200', headers: manager.headers });
      const byId = new Map(
        listed.json<{ items: { id: string; replacedBy: string | null }[] }>().items.map((key) => [key.id, key.replacedBy]),
      );
      expect([byId.get(old.id), byId.get(next.id)]).toEqual([next.id, null]);
      const again = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${old.id}/rotate`,
        headers: manager.headers,
        payload: { gracePeriodSeconds: 0 },
      });
      expect(again.statusCode).toBe(404);
      const immediate = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${next.id}/rotate`,
        headers: manager.headers,
        payload: { gracePeriodSeconds: 0 },
      });
      expect(immediate.statusCode).toBe(201);
      expect((await whoAmI({ authorization: `Bearer ${next.key}` })).statusCode).toBe(401);
    });
  });

  describe('admin key routes under step-up (a key is a long-lived credential)', () => {
    const staleSecondFactor = (who: TestAdmin) =>
      t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [who.session.sessionId]);
    const keysIn = async (workspaceId: string) =>
      (
        await t.superuser.query(
          'SELECT key_id, revoked_at, replaced_by, expires_at FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, key_id',
          [workspaceId],
        )
      ).rows;
    const createAs = (who: TestAdmin, workspaceId: string, requestId: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${workspaceId}/api-keys`,
        headers: { ...who.headers, 'x-request-id': requestId },
        payload: { name: 'minted under step-up', scopes: ['vault:read', 'vault:reveal'], environment: 'live' },
      });
    const rotateAs = (who: TestAdmin, workspaceId: string, keyId: string, requestId: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/admin/workspaces/${workspaceId}/api-keys/${keyId}/rotate`,
        headers: { ...who.headers, 'x-request-id': requestId },
        payload: { gracePeriodSeconds: 0 },
      });
    const auditRowsOf = async (requestId: string) =>
      (
        await t.superuser.query(
          `SELECT action, outcome, reason, actor_type, actor_id, target_type, target_id FROM audit_log WHERE client_request_id = $1`,
          [requestId],
        )
      ).rows;

    it('refuses key create and rotate to a stale second factor with 403 STEP_UP_REQUIRED, makes no key, audits the refusal; a fresh one succeeds [V7.5.3]', async () => {
      const owner = await t.newAdmin('owner');
      const workspace = await t.newWorkspace({ by: owner });
      const existing = await t.newKey({ workspace, scopes: ['vault:read'], by: owner });
      const before = await keysIn(workspace.id);
      expect(before).toHaveLength(1);
      await staleSecondFactor(owner);

      const create = await createAs(owner, workspace.id, 'req-stepup-key-create');
      expect(create.statusCode).toBe(403);
      expect(create.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
      expect(create.body).not.toMatch(/rf_live_/);
      const rotate = await rotateAs(owner, workspace.id, existing.id, 'req-stepup-key-rotate');
      expect(rotate.statusCode).toBe(403);
      expect(rotate.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
      expect(rotate.body).not.toMatch(/rf_live_/);
      // No key made, the rotated one untouched and still working.
      expect(await keysIn(workspace.id)).toEqual(before);
      expect((await whoAmI(existing.headers)).statusCode).toBe(200);
      // Each refusal is audited as the gate audits a refused role or scope; no key action is.
      for (const [requestId, route] of [
        ['req-stepup-key-create', 'POST /v1/admin/workspaces/:id/api-keys'],
        ['req-stepup-key-rotate', 'POST /v1/admin/workspaces/:id/api-keys/:keyId/rotate'],
      ] as const) {
        expect({ requestId, rows: await auditRowsOf(requestId) }).toEqual({
          requestId,
          rows: [
            {
              action: 'auth.authorize',
              outcome: 'denied',
              reason: 'step_up_required',
              actor_type: 'admin',
              actor_id: owner.id,
              target_type: 'route',
              target_id: route,
            },
          ],
        });
      }

      const stepUp = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/step-up',
        headers: owner.headers,
        payload: { code: owner.secondFactor() },
      });
      expect(stepUp.statusCode).toBe(204);
      const created = await createAs(owner, workspace.id, 'req-stepup-key-create-fresh');
      expect(created.statusCode).toBe(201);
      const minted = created.json<{ key: string; id: string }>();
      expect((await whoAmI({ authorization: `Bearer ${minted.key}` })).statusCode).toBe(200);
      const rotated = await rotateAs(owner, workspace.id, existing.id, 'req-stepup-key-rotate-fresh');
      expect(rotated.statusCode).toBe(201);
      expect((await whoAmI({ authorization: `Bearer ${rotated.json<{ key: string }>().key}` })).statusCode).toBe(200);
      expect((await whoAmI(existing.headers)).statusCode).toBe(401);
      expect(await auditRowsOf('req-stepup-key-create-fresh')).toMatchObject([{ action: 'api_key.create', outcome: 'success' }]);
      expect(await auditRowsOf('req-stepup-key-rotate-fresh')).toMatchObject([{ action: 'api_key.rotate', outcome: 'success' }]);
    });

    it('still lets a stale second factor revoke a key: revoking only takes access away [V7.5.3]', async () => {
      const owner = await t.newAdmin('owner');
      const key = await t.newKey({ scopes: ['vault:read'], by: owner });
      await staleSecondFactor(owner);
      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/v1/admin/workspaces/${key.workspaceId}/api-keys/${key.id}`,
        headers: owner.headers,
      });
      expect(revoked.statusCode).toBe(204);
      expect((await whoAmI(key.headers)).statusCode).toBe(401);
    });
  });

  it('records last use off the hot path', async () => {
    const key = await t.newKey({ workspace: live.workspaceId, by: admin });
    expect((await whoAmI(key.headers)).statusCode).toBe(200);
    const { ApiKeyUsage } = await import('../../apps/api/src/workspaces/api-keys/api-key-usage');
    await t.app.get(ApiKeyUsage).flush();
    const after = (await t.superuser.query('SELECT last_used_at FROM api_keys WHERE key_id = $1', [key.id])).rows[0].last_used_at;
    expect(after).toBeInstanceOf(Date);
  });

  it('limits refused keys per address: past 30 a minute, even a good key is refused there, and the flood is audited once [API2:2023]', async () => {
    const address = { 'x-forwarded-for': '203.0.113.77' };
    const bad = { ...address, authorization: `Bearer ${withChecksum(`rf_live_${live.id}${'1'.repeat(32)}`)}` };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 35; attempt += 1) {
      statuses.push((await whoAmI({ ...bad, 'x-request-id': `req-flood-${attempt}` })).statusCode);
    }
    expect(new Set(statuses)).toEqual(new Set([401]));
    const good = await whoAmI({ ...address, ...live.headers, 'x-request-id': 'req-flood-good' });
    expect(good.statusCode).toBe(401);
    expect(comparable(good)).toEqual(comparable(await whoAmI({})));
    const { rows } = await t.superuser.query(
      `SELECT reason, count(*)::int AS n FROM audit_log WHERE client_request_id LIKE 'req-flood-%' GROUP BY reason ORDER BY reason`,
    );
    expect(rows).toEqual([
      { reason: 'limited', n: 1 },
      { reason: 'wrong_secret', n: 30 },
    ]);
    expect((await whoAmI({ 'x-forwarded-for': '203.0.113.78', ...live.headers })).statusCode).toBe(200);
  });
});
