import { SCOPES } from '@ringfence/access';
import { randomUUID } from 'node:crypto';
import { TestAdmin } from '../support/admin-session';
import { listRouteDeclarations } from '../support/route-inventory';
import { useTestApp } from '../support/use-test-app';

/**
 * The scope matrix over every workspace route the application registers: a key holding
 * every required scope gets through the guard; a key missing any one of them gets 403
 * INSUFFICIENT_SCOPE; an admin token or no token gets 401. New routes join by existing.
 */
describe('API key scopes over every workspace route', () => {
  // Each route's refused probes come from an address of their own (behind a trusted proxy):
  // the per-address budget of refused keys (30 a minute) is not what this spec is about.
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  let admin: TestAdmin;
  let workspaceId: string;

  beforeAll(async () => {
    admin = await t.newAdmin('owner');
    workspaceId = (await t.newKey({ by: admin })).workspaceId;
  });

  const call = (route: string, headers: Record<string, string>) => {
    const [method, path] = route.split(' ') as [string, string];
    return t.app.inject({
      method: method as 'GET',
      url: path.replace(/:[a-zA-Z]+/g, 'ZZZZZZZZ'),
      headers,
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
    });
  };
  const refusedFor = async (route: string, headers: Record<string, string>): Promise<string | number> => {
    const response = await call(route, headers);
    return response.statusCode === 403 || response.statusCode === 401
      ? (response.json<{ code: string }>().code ?? response.statusCode)
      : 'through';
  };

  it('admits exactly the keys that hold every required scope [V8.2.1 V8.3.1 API5:2023]', async () => {
    // Key routes, and the routes an admin or a key may call: a key needs the same scopes on both.
    const routes = listRouteDeclarations(t.app).filter(
      (route) => route.policy?.kind === 'api_key' || route.policy?.kind === 'admin_or_api_key',
    );
    expect(routes.filter((route) => route.policy?.kind === 'admin_or_api_key').length).toBeGreaterThanOrEqual(4);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const [index, route] of routes.entries()) {
      const from = { 'x-forwarded-for': `10.9.${Math.floor(index / 250)}.${(index % 250) + 1}` };
      const required = (route.policy as { scopes: readonly string[] }).scopes;
      const exact = await t.newKey({ workspace: workspaceId, scopes: required.length ? [...required] : ['audit:read'], by: admin });
      expect({ route: route.route, exact: await refusedFor(route.route, exact.headers) }).toEqual({ route: route.route, exact: 'through' });
      for (const missing of required) {
        const others = SCOPES.filter((scope) => scope !== missing);
        const lacking = await t.newKey({ workspace: workspaceId, scopes: others, by: admin });
        expect({ route: route.route, missing, got: await refusedFor(route.route, lacking.headers) }).toEqual({
          route: route.route,
          missing,
          got: 'INSUFFICIENT_SCOPE',
        });
      }
      // An admin's token is no credential on a key route (on a mixed one, admin-roles.spec holds its roles).
      if (route.policy?.kind === 'api_key') expect(await refusedFor(route.route, { ...admin.headers, ...from })).toBe('UNAUTHENTICATED');
      expect(await refusedFor(route.route, { 'x-request-id': randomUUID(), ...from })).toBe('UNAUTHENTICATED');
    }
  });
});
