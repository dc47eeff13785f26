import { TestAdmin } from '../support/admin-session';
import { PipelineProbeModule } from '../support/pipeline-probe.module';
import { listRouteDeclarations } from '../support/route-inventory';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

describe('request pipeline: transaction + audit', () => {
  const t = useTestApp({ features: [PipelineProbeModule] });
  let owner: TestAdmin;
  let ADMIN: { authorization: string };

  beforeAll(async () => {
    owner = await t.newAdmin('owner');
    ADMIN = owner.headers;
  });

  const auditRows = async (requestId: string) =>
    (await t.superuser.query('SELECT * FROM audit_log WHERE client_request_id = $1', [requestId])).rows;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const workspacesNamed = async (name: string) => (await t.superuser.query('SELECT id FROM workspaces WHERE name = $1', [name])).rows;

  it('commits the change and its audit row together [V2.3.3 V16.2.1]', async () => {
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

  it('rolls back the change and its audit row together when the handler throws [V2.3.3 V16.5.3]', async () => {
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

  it('scopes reads to the key’s workspace: another workspace’s row is invisible, even by id [V8.2.2 V8.4.1 API1:2023]', async () => {
    const created = await Promise.all(
      ['tenant-a', 'tenant-b'].map((name) => t.app.inject({ method: 'POST', url: '/probe/workspaces', headers: ADMIN, payload: { name } })),
    );
    const [a, b] = created.map((response) => response.json<{ id: string }>().id) as [string, string];
    const asA = (await t.newKey({ workspace: a, by: owner })).headers;

    const all = await t.app.inject({ method: 'GET', url: '/probe/workspaces', headers: asA });
    expect(all.json()).toEqual({ ids: [a], setting: a, readOnly: 'on' });
    const other = await t.app.inject({ method: 'GET', url: `/probe/workspaces?id=${b}`, headers: asA });
    expect(other.json()).toEqual({ ids: [], setting: a, readOnly: 'on' });

    const whoami = await t.app.inject({ method: 'GET', url: '/probe/whoami', headers: { ...asA, 'x-request-id': 'req-whoami-0001' } });
    expect(whoami.json()).toEqual({ workspaceId: a, requestId: expect.stringMatching(UUID) });
  });

  it('changes state through POST, PUT, PATCH and DELETE only: no GET route is audited (every mutation is), and a GET reads read-only [V3.5.3]', async () => {
    const audited = listRouteDeclarations(t.app).filter((route) => route.audited);
    expect(audited.length).toBeGreaterThan(40);
    expect(audited.filter((route) => !/^(POST|PUT|PATCH|DELETE) /.test(route.route)).map((route) => route.route)).toEqual([]);
    const id = (await t.app.inject({ method: 'POST', url: '/probe/workspaces', headers: ADMIN, payload: { name: 'read-only' } })).json<{
      id: string;
    }>().id;
    const asKey = (await t.newKey({ workspace: id, by: owner })).headers;
    const read = await t.app.inject({ method: 'GET', url: '/probe/workspaces', headers: asKey });
    expect(read.json()).toMatchObject({ ids: [id], readOnly: 'on' });
  });

  it('files audit rows under the server’s own request id; a client’s X-Request-Id is echoed and kept beside it [V16.2.1]', async () => {
    // Two requests naming the same client id: two server ids, each row tied to its own request.
    const sent = Array.from({ length: 2 }, (_, i) =>
      t.app.inject({
        method: 'POST',
        url: '/probe/workspaces',
        headers: { ...ADMIN, 'x-request-id': 'req-chosen-by-client' },
        payload: { name: `client-id-${i}` },
      }),
    );
    const responses = await Promise.all(sent);
    for (const response of responses) {
      expect(response.statusCode).toBe(201);
      expect(response.headers['x-request-id']).toBe('req-chosen-by-client');
    }
    const rows = await auditRows('req-chosen-by-client');
    expect(rows).toHaveLength(2);
    const serverIds = rows.map((row) => row.request_id as string);
    expect(new Set(serverIds).size).toBe(2);
    for (const id of serverIds) {
      expect(id).toMatch(UUID);
      // The request's log line carries both, so either id finds the other.
      expect(t.logs.find((line) => line.reqId === id && line.msg === 'request completed')).toMatchObject({
        clientRequestId: 'req-chosen-by-client',
      });
    }
    // A problem names the server's id, whatever the client sent.
    const refused = await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { 'x-request-id': 'req-chosen-by-client' } });
    expect(refused.json<{ requestId: string }>().requestId).toMatch(UUID);
    // A malformed client id is neither echoed nor stored.
    const hostile = await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: { ...ADMIN, 'x-request-id': 'bad id\twith spaces' },
      payload: { name: 'hostile-id' },
    });
    expect(hostile.headers['x-request-id']).toMatch(UUID);
    expect(
      (await t.superuser.query(`SELECT client_request_id FROM audit_log WHERE request_id = $1`, [hostile.headers['x-request-id']])).rows,
    ).toEqual([{ client_request_id: null }]);
  });

  it('audits a public route in its own transaction: @Audited brings it', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/probe/public-audited', headers: { 'x-request-id': 'req-public-audit' } });
    expect(response.statusCode).toBe(201);
    expect(await auditRows('req-public-audit')).toMatchObject([
      { action: 'probe.public_write', actor_type: 'anonymous', outcome: 'success', after: { note: 'written by an anonymous caller' } },
    ]);
  });

  it('stores a plain IP whatever a trusted proxy names: a port, brackets or a zone are dropped, garbage falls back to the proxy [V15.3.4]', async () => {
    const proxied = await t.another({ features: [PipelineProbeModule], env: { TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      for (const [forwarded, stored] of [
        ['10.1.1.1:1234', '10.1.1.1'],
        ['[2001:db8::5]:443', '2001:db8::5'],
        ['fe80::1%eth0', 'fe80::1'],
        ['not-an-ip', '127.0.0.1'],
        ['10.1.1.1%x', '127.0.0.1'],
      ] as const) {
        const id = `req-xff-${forwarded.replace(/[^A-Za-z0-9]/g, '')}`.padEnd(12, '0');
        const login = await proxied.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'x-forwarded-for': forwarded, 'x-request-id': id },
          payload: { email: 'nobody@example.com', password: 'wrong password' },
        });
        expect({ forwarded, status: login.statusCode }).toEqual({ forwarded, status: 401 });
        expect({ forwarded, ip: (await auditRows(id))[0]?.client_ip }).toEqual({ forwarded, ip: stored });
      }
    } finally {
      await proxied.close();
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy [V4.1.3 V15.3.4]', async () => {
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

    const proxied = await t.another({ features: [PipelineProbeModule], env: { TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      expect(await clientIpSeenBy(proxied, 'req-trusted-xff')).toBe('203.0.113.9');
    } finally {
      await proxied.close();
    }
  });
});
