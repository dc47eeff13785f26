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
  const t = useTestApp();
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

  it('admits exactly the keys that hold every required scope', async () => {
    const routes = listRouteDeclarations(t.app).filter((route) => route.policy?.kind === 'api_key');
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const route of routes) {
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
      expect(await refusedFor(route.route, admin.headers)).toBe('UNAUTHENTICATED');
      expect(await refusedFor(route.route, { 'x-request-id': randomUUID() })).toBe('UNAUTHENTICATED');
    }
  });
});
