import { expectProblem, statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/**
 * A URL the router cannot decode is answered by Fastify's frameworkErrors, before any
 * request hook: it is still a request from an address, so L1 counts it like a 404.
 */
describe('L1 and URLs the router refuses', () => {
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '4' } });
  let address = 0;
  const newAddress = () => `198.51.100.${++address}`;

  it('counts a URL that does not decode against the address limit, and refuses it once spent', async () => {
    const from = newAddress();
    const answers = [];
    for (const url of [
      '/v1/vault/secrets/%',
      '/v1/vault/secrets/%E0%A4%A',
      '/v1/admin/workspaces/%zz',
      '/v1/vault/secrets/%',
      '/v1/vault/secrets/%',
    ])
      answers.push(await t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': from } }));
    for (const answer of answers.slice(0, 4)) expectProblem(answer, 400, 'BAD_REQUEST');
    expect(statedLimit(answers[0]!.headers).remaining).toBe(3);
    expectProblem(answers[4]!, 429, 'RATE_LIMITED');
    expect(Number(answers[4]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { 'x-forwarded-for': from } }), 429, 'RATE_LIMITED');
  });

  it('counts each address on its own there too', async () => {
    const answer = await t.app.inject({ method: 'GET', url: '/v1/vault/secrets/%', headers: { 'x-forwarded-for': newAddress() } });
    expectProblem(answer, 400, 'BAD_REQUEST');
    expect(statedLimit(answer.headers).remaining).toBe(3);
  });
});
