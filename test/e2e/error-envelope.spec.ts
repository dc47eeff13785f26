import { LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import { AdminBootstrap } from '../../apps/api/src/admin-identity/admins/admin-bootstrap';
import { expectProblem } from '../support/assertions';
import { PipelineProbeModule } from '../support/pipeline-probe.module';
import { useTestApp } from '../support/use-test-app';

/** Every error leaves as RFC 9457 problem JSON with code and requestId, and nothing else. */
describe('error envelope', () => {
  const t = useTestApp({ features: [PipelineProbeModule] });

  it('400 for invalid fields, listing each one (whitelist, forbidNonWhitelisted) [V2.2.1 V2.2.2 V8.2.3 V15.3.3 API3:2023]', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/echo',
      payload: { name: 'much too long a name', workspaceId: 'x' },
    });
    const body = expectProblem(response, 400, 'VALIDATION_FAILED');
    const fields = (body.errors as { field: string }[]).map((error) => error.field).sort();
    expect(fields).toEqual(['name', 'workspaceId']);
  });

  it('400 for malformed JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expectProblem(response, 400, 'MALFORMED_JSON');
  });

  it('400 for a body that reaches for a prototype: a __proto__ key or constructor.prototype, at any depth [V15.3.6]', async () => {
    for (const payload of [
      '{"name":"ok","__proto__":{"admin":true}}',
      '{"name":"ok","items":[{"__proto__":{"admin":true}}]}',
      '{"name":"ok","constructor":{"prototype":{"admin":true}}}',
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/json' }, payload });
      expect({ payload, status: response.statusCode }).toEqual({ payload, status: 400 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('401 with one body for missing and bad credentials, and a WWW-Authenticate header', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/probe/workspaces', payload: { name: 'x' } });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: { authorization: 'Bearer nope' },
      payload: { name: 'x' },
    });
    const strip = (r: LightMyRequestResponse) => ({ ...r.json<Record<string, unknown>>(), requestId: undefined });
    expectProblem(missing, 401, 'UNAUTHENTICATED');
    expectProblem(bad, 401, 'UNAUTHENTICATED');
    expect(strip(bad)).toEqual(strip(missing));
    expect(bad.headers['www-authenticate']).toBe('Bearer');
  });

  it('403 for a valid caller without the role or a scope, decided by the guard', async () => {
    const auditor = await t.app.inject({
      method: 'POST',
      url: '/probe/workspaces',
      headers: (await t.newAdmin('auditor')).headers,
      payload: { name: 'x' },
    });
    expectProblem(auditor, 403, 'INSUFFICIENT_ROLE');
    const owner = await t.newAdmin('owner');
    const readKey = await t.newKey({ scopes: ['vault:read'], by: owner });
    const narrow = await t.app.inject({ method: 'GET', url: '/probe/reveal', headers: readKey.headers });
    expectProblem(narrow, 403, 'INSUFFICIENT_SCOPE');
    const revealKey = await t.newKey({ workspace: readKey.workspaceId, scopes: ['vault:read', 'vault:reveal'], by: owner });
    const enough = await t.app.inject({ method: 'GET', url: '/probe/reveal', headers: revealKey.headers });
    expect(enough.statusCode).toBe(200);
    const admin = await t.app.inject({ method: 'GET', url: '/probe/reveal', headers: owner.headers });
    expectProblem(admin, 401, 'UNAUTHENTICATED');
  });

  it('403 for a route that declares no access policy (deny by default) [V8.2.1 V8.3.1 API5:2023]', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/probe/undeclared' }), 403, 'ROUTE_ACCESS_UNDECLARED');
  });

  it('404 for an unknown route, without echoing the path [V1.2.1]', async () => {
    const body = expectProblem(await t.app.inject({ method: 'GET', url: '/v1/keys/rf_live_SECRETPATH' }), 404, 'NOT_FOUND');
    expect(JSON.stringify(body)).not.toContain('SECRETPATH');
  });

  it('414 for a path parameter past 256 characters and 400 for a URL that does not decode, in the envelope and without echoing the path [V1.1.1 V16.5.1]', async () => {
    const long = `/v1/vault/secrets/${'x'.repeat(257)}`;
    const tooLong = await t.app.inject({ method: 'GET', url: long });
    expectProblem(tooLong, 414, 'URI_TOO_LONG');
    expect(tooLong.headers['strict-transport-security']).toBeDefined();
    expect(tooLong.body).not.toContain('xxxx');
    const undecodable = await t.app.inject({ method: 'GET', url: '/v1/vault/secrets/%E0%A4%A-secret-looking' });
    expectProblem(undecodable, 400, 'BAD_REQUEST');
    expect(undecodable.body).not.toContain('secret-looking');
  });

  it('404 from a handler stays a 404 on a path that exists', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/probe/missing/123' }), 404, 'NOT_FOUND');
  });

  it('405 with Allow for a known path and the wrong method [V4.1.4]', async () => {
    const response = await t.app.inject({ method: 'DELETE', url: '/health/live' });
    expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe('GET');
  });

  it('413 past 1 MB on ordinary routes; batch routes take up to 5 MB [V15.2.2 API4:2023]', async () => {
    const twoMb = JSON.stringify({ name: 'x', items: Array.from({ length: 2 * 1024 }, () => 'y'.repeat(1024)) });
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/json' }, payload: twoMb }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const batch = await t.app.inject({
      method: 'POST',
      url: '/probe/batch',
      headers: { 'content-type': 'application/json' },
      payload: twoMb,
    });
    expect(batch.statusCode).toBe(201);
    expect(batch.json()).toEqual({ count: 2048 });
    const sixMb = JSON.stringify({ items: Array.from({ length: 6 * 1024 }, () => 'y'.repeat(1024)) });
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/probe/batch', headers: { 'content-type': 'application/json' }, payload: sixMb }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('415 for a body that is not JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/probe/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('500 without the error message, SQL or secret, logged once as an error [V13.4.2 V16.3.4 V16.5.1 API8:2023]', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/probe/boom' });
    const body = expectProblem(response, 500, 'INTERNAL');
    expect(JSON.stringify(body)).not.toMatch(/hunter2|SELECT|vault/);
    const errorLines = t.logs.filter((line) => line.level === 50 && line.reqId === response.headers['x-request-id']);
    expect(errorLines).toHaveLength(1);
  });

  it('answers byte for byte as clients have always seen: the same fields, in the same order', async () => {
    const bodyOf = (response: LightMyRequestResponse) => response.body.replace(String(response.headers['x-request-id']), 'ID');
    expect(bodyOf(await t.app.inject({ method: 'GET', url: '/nowhere' }))).toBe(
      '{"type":"https://ringfence.dev/problems/not-found","title":"Not Found","status":404,"detail":"No such resource.","code":"NOT_FOUND","requestId":"ID"}',
    );
    expect(bodyOf(await t.app.inject({ method: 'POST', url: '/probe/echo', payload: { name: 'much too long a name' } }))).toBe(
      '{"type":"https://ringfence.dev/problems/validation-failed","title":"Bad Request","status":400,"detail":"The request has invalid fields.",' +
        '"code":"VALIDATION_FAILED","requestId":"ID","errors":[{"field":"name","messages":["name must be shorter than or equal to 10 characters"]}]}',
    );
    expect(bodyOf(await t.app.inject({ method: 'POST', url: '/probe/workspaces', payload: { name: 'x' } }))).toBe(
      '{"type":"https://ringfence.dev/problems/unauthenticated","title":"Unauthorized","status":401,"detail":"Valid credentials are required.","code":"UNAUTHENTICATED","requestId":"ID"}',
    );
  });

  it('500 for data access outside a unit of work: nothing written, the fix named in the log only [V16.5.1]', async () => {
    const auditor = await t.app.get(AdminBootstrap).create(`outside-${randomBytes(3).toString('hex')}@example.com`, 'auditor');
    const response = await t.app.inject({ method: 'POST', url: '/probe/outside-unit-of-work' });
    const body = expectProblem(response, 500, 'INTERNAL');
    expect(JSON.stringify(body)).not.toMatch(/unit of work|UPDATE|admins/i);
    const errorLines = t.logs.filter((line) => line.level === 50 && line.reqId === response.headers['x-request-id']);
    expect(errorLines).toHaveLength(1);
    expect((errorLines[0]!.err as { type: string; message: string }).type).toBe('NoUnitOfWorkError');
    expect((errorLines[0]!.err as { message: string }).message).toMatch(/unitOfWork\.run\(\).*@Audited.*readOutsideUnitOfWork/);
    const { rows } = await t.superuser.query<{ role: string }>('SELECT role FROM admins WHERE id = $1', [auditor.admin.id]);
    expect(rows).toEqual([{ role: 'auditor' }]);
  });

  it('does not log expected rejections as errors', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nowhere' });
    expect(t.logs.filter((line) => (line.level as number) >= 50 && line.reqId === response.headers['x-request-id'])).toEqual([]);
  });
});
