import { TestAdmin } from './admin-session';
import { TestApp } from './test-app';

export interface TestKey {
  key: string;
  id: string;
  workspaceId: string;
  headers: { authorization: string };
}

/**
 * A real workspace (created unless given) and a real key for it, through the admin routes:
 * for the specs about those routes; others use `newKey` (factories.ts).
 */
export async function createApiKeyThroughRoutes(
  t: TestApp,
  admin: TestAdmin,
  options: { workspaceId?: string; scopes?: string[]; environment?: 'live' | 'test'; name?: string; from?: string } = {},
): Promise<TestKey> {
  // `from`: the client address behind a trusted proxy, for apps with a tight per-address limit.
  const headers = options.from ? { ...admin.headers, 'x-forwarded-for': options.from } : admin.headers;
  let workspaceId = options.workspaceId;
  if (!workspaceId) {
    const created = await t.app.inject({ method: 'POST', url: '/v1/admin/workspaces', headers, payload: { name: 'test workspace' } });
    if (created.statusCode !== 201) throw new Error(`workspace: ${created.statusCode} ${created.body}`);
    workspaceId = created.json<{ id: string }>().id;
  }
  const response = await t.app.inject({
    method: 'POST',
    url: `/v1/admin/workspaces/${workspaceId}/api-keys`,
    headers,
    payload: { name: options.name ?? 'test key', scopes: options.scopes ?? ['vault:read'], environment: options.environment ?? 'live' },
  });
  if (response.statusCode !== 201) throw new Error(`api key: ${response.statusCode} ${response.body}`);
  const { key, id } = response.json<{ key: string; id: string }>();
  return { key, id, workspaceId, headers: { authorization: `Bearer ${key}` } };
}
