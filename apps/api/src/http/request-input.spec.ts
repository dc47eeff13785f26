import { Problem } from '@ringfence/problems';
import { parseJsonBody, SINGLE_BODY_SHAPE } from './request-input';

const parse = (json: string) => parseJsonBody(Buffer.from(json), { 'content-type': 'application/json' }, SINGLE_BODY_SHAPE, JSON.parse);
const refusal = (json: string) => {
  try {
    parse(json);
  } catch (error) {
    return error as Problem;
  }
  throw new Error('expected a refusal');
};

describe('parseJsonBody', () => {
  it('names the offending field by its path, through objects and arrays', () => {
    expect(refusal('{"a":[{"b":"x\\u0000"}]}')).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'a[0].b' }] });
    expect(refusal('[1,{"c":{"d":"\\ud800"}}]')).toMatchObject({ errors: [{ field: '[1].c.d' }] });
    expect(refusal('"\\u0000"')).toMatchObject({ errors: [{ field: '(body)' }] });
    expect(refusal('{"a":{"toString":1}}')).toMatchObject({ errors: [{ field: 'a.toString' }] });
  });

  it('returns an ordinary body as parsed', () => {
    expect(parse('{"a":[1,{"b":"ok ✓"}],"c":null}')).toEqual({ a: [1, { b: 'ok ✓' }], c: null });
  });
});
