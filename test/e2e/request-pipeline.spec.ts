import { Client } from 'pg';
import { createAdmin, TestAdmin } from '../support/admin-session';
import { createApiKey } from '../support/api-key';
import { PipelineProbeModule } from '../support/pipeline-probe.module';
import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';


describe('request pipeline: transaction + audit', () => {
  let db: TestDatabase;
  let t: TestApp;
  let superuser: Client;
  let owner: TestAdmin;
  let ADMIN: { authorization: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp(db, { features: [PipelineProbeModule] });
    superuser = await db.connect(db.adminUrl);
    owner = await createAdmin(t, 'owner');
    ADMIN = owner.headers;
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const auditRows = async (requestId: string) =>
    (await superuser.query('SELECT * FROM audit_log WHERE request_id = $1', [requestId])).rows;
  const workspacesNamed = async (name: string) =>
    (await superuser.query('SELECT id FROM workspaces WHERE name = $1', [name])).rows;

  it('commits the change and its audit row together', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: { ...ADMIN, 'user-agent': 'probe-agent/1.0', 'x-request-id': 'req-commit-0001' },
      payload: { name: 'committed' },
    });
    expect(response.statusCode).toBe(201);
    const { id } = response.json<{ id: string }>();
    expect(await workspacesNamed('committed')).toEqual([{ id }]);
    const [row, ...more] = await auditRows('req-commit-0001');
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      action: 'workspace.create',
      actor_type: 'admin',
      actor_id: owner.id,
      target_type: 'workspace',
      target_id: id,
      before: null,
      after: { name: 'committed' },
      outcome: 'success',
      client_ip: '127.0.0.1',
      user_agent: 'probe-agent/1.0',
      // An admin has no workspace of its own: the row is filed under the workspace it is about.
      workspace_id: id,
    });
  });

  it('rolls back the change and its audit row together when the handler throws', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: { ...ADMIN, 'x-request-id': 'req-rollback-0001' },
      payload: { name: 'rolled-back', failAfterWrite: true },
    });
    expect(response.statusCode).toBe(500);
    expect(await workspacesNamed('rolled-back')).toEqual([]);
    expect(await auditRows('req-rollback-0001')).toEqual([]);
  });

  it('scopes reads to the key’s workspace: another workspace’s row is invisible, even by id', async () => {
    const created = await Promise.all(
      ['tenant-a', 'tenant-b'].map((name) => t.app.inject({ method: 'POST', url: '/probe/workspaces', headers: ADMIN, payload: { name } })),
    );
    const [a, b] = created.map((response) => response.json<{ id: string }>().id) as [string, string];
    const asA = (await createApiKey(t, owner, { workspaceId: a })).headers;

    const all = await t.app.inject({ method: 'GET', url: '/probe/workspaces', headers: asA });
    expect(all.json()).toEqual({ ids: [a], setting: a, readOnly: 'on' });
    const other = await t.app.inject({ method: 'GET', url: `/probe/workspaces?id=${b}`, headers: asA });
    expect(other.json()).toEqual({ ids: [], setting: a, readOnly: 'on' });

    const whoami = await t.app.inject({ method: 'GET', url: '/probe/whoami', headers: { ...asA, 'x-request-id': 'req-whoami-0001' } });
    expect(whoami.json()).toEqual({ workspaceId: a, requestId: 'req-whoami-0001' });
  });

  it('audits a public route in its own transaction: @Audited brings it', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/probe/public-audited', headers: { 'x-request-id': 'req-public-audit' } });
    expect(response.statusCode).toBe(201);
    expect(await auditRows('req-public-audit')).toMatchObject([
      { action: 'probe.public_write', actor_type: 'anonymous', outcome: 'success', after: { note: 'written by an anonymous caller' } },
    ]);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const clientIpSeenBy = async (app: TestApp, requestId: string): Promise<unknown> => {
      await app.app.inject({
        method: 'POST',
        url: '/probe/workspaces',
        headers: { ...ADMIN, 'x-forwarded-for': '203.0.113.9', 'x-request-id': requestId },
        payload: { name: requestId },
      });
      return (await auditRows(requestId))[0]?.client_ip;
    };
    expect(await clientIpSeenBy(t, 'req-untrusted-xff')).toBe('127.0.0.1');

    const proxied = await createTestApp(db, { features: [PipelineProbeModule], env: { TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      expect(await clientIpSeenBy(proxied, 'req-trusted-xff')).toBe('203.0.113.9');
    } finally {
      await proxied.close();
    }
  });
});
