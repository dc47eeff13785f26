import { unwrap } from '../../apps/console/src/api/client';
import { ApiError } from '../../apps/console/src/api/problem';

/**
 * The console's `unwrap` on openapi-fetch's results: openapi-fetch has read an error's body
 * (into `error`) before unwrap sees the response, so the problem is taken from there: its
 * code, detail, field errors and requestId reach the admin, and a 429's Retry-After too.
 */
describe('console api client: unwrap', () => {
  const problem = {
    type: 'https://ringfence.dev/problems/validation-failed',
    title: 'Validation failed',
    status: 400,
    detail: 'The policy document is not valid; each error names its path.',
    code: 'VALIDATION_FAILED',
    requestId: 'req-1',
    errors: [{ field: 'document.rules[0].match.amount.max', messages: ['must be a plain decimal string'] }],
  };

  /** What openapi-fetch hands over for an error answer: the body read and parsed, the response spent. */
  const failed = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const response = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
    const error = JSON.parse(await response.text()) as unknown;
    return { error, response };
  };

  it('throws the problem openapi-fetch read, with its field errors and requestId', async () => {
    const thrown = await unwrap(await failed(400, problem)).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ApiError);
    const error = thrown as ApiError;
    expect({ status: error.status, code: error.code, requestId: error.requestId, message: error.message }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      requestId: 'req-1',
      message: problem.detail,
    });
    expect(error.fieldErrors()).toEqual({ 'document.rules[0].match.amount.max': ['must be a plain decimal string'] });
  });

  it('keeps the retry delay of a 429, and answers the data of a success', async () => {
    const limited = { ...problem, status: 429, code: 'RATE_LIMITED', errors: undefined };
    const error = (await unwrap(await failed(429, limited, { 'retry-after': '7' })).catch((thrown: unknown) => thrown)) as ApiError;
    expect({ code: error.code, retryAfterSeconds: error.retryAfterSeconds }).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 7 });
    await expect(unwrap({ data: { ok: 1 }, response: new Response('{}', { status: 200 }) })).resolves.toEqual({ ok: 1 });
  });

  it('says the API answered without a problem when the body was not one', async () => {
    const error = (await unwrap(await failed(502, 'bad gateway')).catch((thrown: unknown) => thrown)) as ApiError;
    expect({ status: error.status, problem: error.problem, message: error.message }).toEqual({
      status: 502,
      problem: undefined,
      message: 'The API answered 502.',
    });
  });
});
