import { randomUUID } from 'node:crypto';
import { expectProblem } from '../support/assertions';
import { activatePolicy, COSIGNER_SCOPES, postCallback } from '../support/cosigner';
import { useTestApp } from '../support/use-test-app';

/** The cosigner's routes under hostile bodies and a locked database: a 4xx or a 503, never a 500. */
describe('cosigner routes under hostile input', () => {
  const t = useTestApp({ env: { DATABASE_LOCK_TIMEOUT_MS: '200' } });

  const rule = (name: string) => ({ rules: [{ name, action: 'APPROVE', match: { assets: ['ETH'] } }] });
  const raw = (method: 'PUT' | 'POST', url: string, headers: Record<string, string>, payload: string | Buffer) =>
    t.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload });

  it('answers NUL, invalid UTF-8, deep and wide bodies with a 400', async () => {
    const key = await t.newKey({ scopes: COSIGNER_SCOPES });
    const draft = (payload: string | Buffer) => raw('PUT', '/v1/policies/draft', key.headers, payload);
    const transfer = (payload: string | Buffer) =>
      raw('POST', '/v1/transfers', { ...key.headers, 'idempotency-key': randomUUID() }, payload);
    const statuses: number[] = [];
    for (const send of [draft, transfer]) {
      statuses.push((await send(JSON.stringify({ document: rule('a\u0000b'), note: 'x\u0000' }))).statusCode);
      statuses.push((await send(Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]))).statusCode);
      statuses.push((await send(`${'['.repeat(5000)}${']'.repeat(5000)}`)).statusCode);
      statuses.push((await send(JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))))).statusCode);
    }
    statuses.push(
      (
        await transfer(
          JSON.stringify({
            asset: 'ETH',
            amount: '1',
            source: { type: 'VAULT', id: '0' },
            destination: { address: '0xab' },
            note: 'n\u0000',
          }),
        )
      ).statusCode,
    );
    expect(statuses.every((status) => status === 400)).toBe(true);
    // A callback body that is not a token, however built, is the one 401.
    for (const body of [Buffer.from([0xff, 0xfe, 0x00]), `${'['.repeat(5000)}`, 'a.b.c\u0000']) {
      expectProblem(await postCallback(t, body), 401, 'UNAUTHENTICATED');
    }
  });

  it('answers a policy write whose lock is held elsewhere with a 503, not a 500', async () => {
    const key = await t.newKey({ scopes: COSIGNER_SCOPES });
    await activatePolicy(t, key, rule('eth'));
    const holder = await t.db.connect(t.db.adminUrl);
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('policy:' || $1 || ':' || 'live', 0))`, [key.workspaceId]);
      const response = await t.inject({ method: 'PUT', url: '/v1/policies/draft', headers: key.headers, payload: { document: rule('b') } });
      expectProblem(response, 503, 'DATABASE_UNAVAILABLE');
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
  });
});
