import createClient from 'openapi-fetch';
// Written by test/e2e/generated-client.spec.ts from apps/api/openapi.json (openapi-typescript); not committed.
import type { components, paths } from './generated/ringfence-api';

type Problem = components['schemas']['Problem'];

/**
 * The first task a new integrator does, through a client generated from the OpenAPI
 * document alone: as an admin, create a workspace and mint a key; with the key, ask who it
 * is. Type-checked (tsc, strict) against the generated types by the spec, then run against
 * a listening app: a route, field or status the document misnames breaks one or the other.
 */
export async function smokeFlow(baseUrl: string, adminToken: string) {
  const admin = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminToken}` } });
  const idempotencyKey = `generated-client-${Date.now()}-${Math.random()}`;
  const create = (requestId: string) =>
    admin.POST('/v1/admin/workspaces', {
      body: { name: 'Generated client' },
      params: { header: { 'X-Request-Id': requestId, 'Idempotency-Key': idempotencyKey } },
    });
  const created = await create('generated-client-1');
  if (!created.data) throw new Error(`workspaces.create: ${created.response.status} ${JSON.stringify(created.error)}`);
  const workspace = created.data;
  // A retry (the answer lost on the way, say) with the same key: the same workspace, not a second.
  const retried = await create('generated-client-2');
  const minted = await admin.POST('/v1/admin/workspaces/{id}/api-keys', {
    params: { path: { id: workspace.id } },
    body: { name: 'generated client', scopes: ['vault:read'], environment: 'test' },
  });
  if (!minted.data) throw new Error(`workspaces.apiKeys.create: ${minted.response.status} ${JSON.stringify(minted.error)}`);
  const key: string = minted.data.key;

  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } });
  const me = await client.GET('/v1/workspace');
  if (!me.data) throw new Error(`workspace.get: ${me.response.status}`);

  const missing = await admin.GET('/v1/admin/workspaces/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
  const problem: Problem | undefined = missing.error;
  return {
    workspace: { id: workspace.id, name: workspace.name, status: workspace.status },
    requestId: created.response.headers.get('x-request-id'),
    retried: { id: retried.data?.id, replayed: retried.response.headers.get('idempotent-replayed') },
    whoAmI: { workspaceId: me.data.workspaceId, scopes: me.data.scopes, environment: me.data.environment },
    rateLimit: me.response.headers.get('ratelimit'),
    missing: { status: missing.response.status, code: problem?.code },
  };
}
