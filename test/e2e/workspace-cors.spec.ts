import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

const CONSOLE = 'https://console.example.com';
const TREASURY = 'https://treasury.acme.example';
const OTHER_APP = 'https://app.other.example';

/** Per-workspace CORS: preflights for any workspace's origin, requests held to the key's own. */
describe('workspace browser origins', () => {
  const t = useTestApp({ env: { CORS_ORIGINS: CONSOLE } });
  let admin: TestAdmin;
  let acme: string;
  let other: string;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
    acme = (await t.newWorkspace({ name: 'w', allowedOrigins: [TREASURY], by: admin })).id;
    other = (await t.newWorkspace({ name: 'w', allowedOrigins: [OTHER_APP], by: admin })).id;
  });

  const preflight = (origin: string) =>
    t.app.inject({
      method: 'OPTIONS',
      url: '/v1/workspace',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from a workspace origin without credentials, and from the console with them [V3.4.2]', async () => {
    const workspace = await preflight(TREASURY);
    expect(workspace.headers['access-control-allow-origin']).toBe(TREASURY);
    expect(workspace.headers['access-control-allow-credentials']).toBeUndefined();
    const console = await preflight(CONSOLE);
    expect(console.headers['access-control-allow-origin']).toBe(CONSOLE);
    expect(console.headers['access-control-allow-credentials']).toBe('true');
  });

  it('allows the methods the API uses, DELETE and PATCH included', async () => {
    const answer = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/api-keys/ABCDEFGH',
      headers: { origin: TREASURY, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    expect(answer.headers['access-control-allow-origin']).toBe(TREASURY);
    expect(String(answer.headers['access-control-allow-methods'])).toContain('DELETE');
    expect(String(answer.headers['access-control-allow-methods'])).toContain('PATCH');
  });

  it('takes only origins as browsers send them [V3.4.2]', async () => {
    for (const origin of ['https://acme.example/app', 'https://ACME.example', 'https://acme.example/', 'acme.example']) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: admin.headers,
        payload: { name: 'o', allowedOrigins: [origin] },
      });
      expect(answer.statusCode).toBe(400);
    }
  });

  it('gives an origin no workspace allows no CORS headers at all [V3.4.2]', async () => {
    const answer = await preflight('https://evil.example');
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('serves a key from its own workspace’s origin and refuses it from another workspace’s', async () => {
    const key = await t.newKey({ workspace: acme, by: admin });
    const own = await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...key.headers, origin: TREASURY } });
    expect(own.statusCode).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBe(TREASURY);
    const foreign = await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...key.headers, origin: OTHER_APP } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    // Servers send no Origin: not concerned.
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
  });

  it('applies an origin change at once on the instance that made it', async () => {
    const key = await t.newKey({ workspace: other, by: admin });
    const newOrigin = 'https://new.other.example';
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...key.headers, origin: newOrigin } })).statusCode).toBe(
      403,
    );
    const change = await t.app.inject({
      method: 'PATCH',
      url: `/v1/admin/workspaces/${other}`,
      headers: admin.headers,
      payload: { allowedOrigins: [newOrigin] },
    });
    expect(change.statusCode).toBe(200);
    expect((await preflight(newOrigin)).headers['access-control-allow-origin']).toBe(newOrigin);
    expect((await preflight(OTHER_APP)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...key.headers, origin: newOrigin } })).statusCode).toBe(
      200,
    );
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { ...key.headers, origin: OTHER_APP } })).statusCode).toBe(
      403,
    );
  });

  it('drops a suspended workspace’s origins', async () => {
    const suspended = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/admin/workspaces',
        headers: admin.headers,
        payload: { name: 's', allowedOrigins: ['https://gone.example'] },
      })
    ).json<{ id: string }>().id;
    expect((await preflight('https://gone.example')).headers['access-control-allow-origin']).toBe('https://gone.example');
    await t.app.inject({ method: 'POST', url: `/v1/admin/workspaces/${suspended}/suspend`, headers: admin.headers });
    expect((await preflight('https://gone.example')).headers['access-control-allow-origin']).toBeUndefined();
  });
});
