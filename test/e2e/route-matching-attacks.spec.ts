import { expectProblem, statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

const PLANS = JSON.stringify({ standard: { perKeyPerMinute: 3, perWorkspacePerMinute: 5 } });

/**
 * How a request's route is matched to its access declaration: the attacks that must keep
 * failing (other methods, spellings of a path, the boundary's own routes).
 */
describe('route matching and the gate', () => {
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_PLANS: PLANS } });
  const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
    t.app.inject({ method: method as 'GET', url, headers });

  it('gates HEAD like GET, and charges L2 once for it', async () => {
    // A HEAD answer has no body: its status says it.
    expect((await get('/v1/workspace', {}, 'HEAD')).statusCode).toBe(401);
    expect((await get('/v1/admin/workspaces', {}, 'HEAD')).statusCode).toBe(401);
    const admin = await t.newAdmin('admin');
    const key = await t.newKey({ scopes: ['vault:read'], by: admin });
    const head = await get('/v1/workspace', key.headers, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(statedLimit(head.headers).remaining).toBe(2);
    expect((await get('/v1/admin/workspaces', key.headers, 'HEAD')).statusCode).toBe(401);
  });

  it.each([
    ['/v1/workspace/', 404, 'NOT_FOUND'],
    ['/v1//workspace', 404, 'NOT_FOUND'],
    ['/V1/workspace', 404, 'NOT_FOUND'],
    ['/v1/workspace;x', 404, 'NOT_FOUND'],
    ['/v1/workspace%2F', 404, 'NOT_FOUND'],
    ['/v1/%77orkspace', 401, 'UNAUTHENTICATED'],
    ['/docs/../v1/workspace', 401, 'UNAUTHENTICATED'],
    ['/docs/%2e%2e/v1/workspace', 401, 'UNAUTHENTICATED'],
    ['/v1/audit/events/', 404, 'NOT_FOUND'],
    ['/v1/admin/workspaces/%20', 401, 'UNAUTHENTICATED'],
    ['/v1/vault/secrets/a%2Fb', 401, 'UNAUTHENTICATED'],
  ])('never serves %s without its declaration', async (url, status, code) => {
    expectProblem(await get(url), status, code);
  });

  it.each(['TRACE', 'PROPFIND', 'SEARCH', 'LOCK', 'MKCOL', 'COPY', 'PURGE', 'OPTIONS'])(
    'answers %s on a route as a problem [V4.1.4 V13.4.4 API8:2023]',
    async (method) => {
      expectProblem(await get('/v1/workspace', {}, method), 405, 'METHOD_NOT_ALLOWED');
      expectProblem(await get('*', {}, method), 404, 'NOT_FOUND');
    },
  );
});
