import { expectProblem, statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

const CONSOLE = 'https://console.example.com';

/**
 * CORS preflights are answered by the boundary itself, but they are requests from an
 * address like any other: L1 counts them, and what is not a preflight is answered as a
 * problem, never by @fastify/cors's own text.
 */
describe('CORS preflights at the boundary', () => {
  const t = useTestApp({ env: { CORS_ORIGINS: CONSOLE, TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '4' } });
  let address = 0;
  const newAddress = () => `198.51.100.${++address}`;
  const preflight = (from: string, url = '/v1/workspace') =>
    t.app.inject({ method: 'OPTIONS', url, headers: { origin: CONSOLE, 'access-control-request-method': 'GET', 'x-forwarded-for': from } });

  it('counts preflights from an allowed origin against the address limit [API4:2023]', async () => {
    const from = newAddress();
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await preflight(from, i % 2 === 0 ? '/v1/workspace' : '*'));
    expect(answers.slice(0, 4).map((answer) => answer.statusCode)).toEqual([204, 204, 204, 204]);
    expect(answers[0]!.headers['access-control-allow-origin']).toBe(CONSOLE);
    expectProblem(answers[4]!, 429, 'RATE_LIMITED');
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: { 'x-forwarded-for': from } }), 429, 'RATE_LIMITED');
  });

  it('answers an OPTIONS from an allowed origin that is no preflight as a problem, counted', async () => {
    const from = newAddress();
    const answer = await t.app.inject({ method: 'OPTIONS', url: '/v1/workspace', headers: { origin: CONSOLE, 'x-forwarded-for': from } });
    expectProblem(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(statedLimit(answer.headers).remaining).toBe(3);
    expectProblem(
      await t.app.inject({ method: 'OPTIONS', url: '*', headers: { origin: CONSOLE, 'x-forwarded-for': from } }),
      404,
      'NOT_FOUND',
    );
  });

  it('still answers CORS on ordinary requests from an allowed origin, refusals included', async () => {
    const answer = await t.app.inject({
      method: 'GET',
      url: '/v1/workspace',
      headers: { origin: CONSOLE, 'x-forwarded-for': newAddress() },
    });
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.headers['access-control-allow-origin']).toBe(CONSOLE);
  });
});
