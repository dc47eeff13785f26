import { Keyring } from '@ringfence/crypto';
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson, fingerprintKeyOf, idempotencyKeyOf, requestFingerprint, RequestIdentity } from './idempotency-key';
import { IdempotencyProblems } from './idempotency.problems';

const headers = (...values: string[]): string[] => ['Host', 'localhost', ...values.flatMap((value) => ['Idempotency-Key', value])];

function refusal(rawHeaders: string[]): { code: string; detail: string } {
  try {
    idempotencyKeyOf(rawHeaders);
  } catch (error) {
    const { code, detail } = error as { code: string; detail: string };
    return { code, detail };
  }
  throw new Error('the key was accepted');
}

describe('idempotencyKeyOf', () => {
  it('reads one key, bare or in the draft’s quoted form (the same key), whatever the header name’s case', () => {
    expect(idempotencyKeyOf(headers('8e03978e-40d5-43e8-bc93-6894a57f9324'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf(headers('"8e03978e-40d5-43e8-bc93-6894a57f9324"'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf(['idempotency-KEY', 'order:42/a'])).toBe('order:42/a');
    expect(idempotencyKeyOf(headers('x'.repeat(255)))).toBe('x'.repeat(255));
    // Every visible ASCII character but the three the set leaves out.
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, index) => String.fromCharCode(0x21 + index))
      .filter((character) => !'",\\'.includes(character))
      .join('');
    expect(idempotencyKeyOf(headers(visible))).toBe(visible);
  });

  it('refuses a request without the header as IDEMPOTENCY_KEY_REQUIRED', () => {
    expect(refusal(['Host', 'localhost'])).toEqual({ code: IdempotencyProblems.IDEMPOTENCY_KEY_REQUIRED.code, detail: expect.any(String) });
  });

  it.each([
    ['empty', [''], /is empty/],
    ['empty quotes', ['""'], /is empty/],
    ['longer than 255', ['x'.repeat(256)], /longer than 255/],
    ['a space', ['a b'], /visible ASCII/],
    ['a comma', ['a,b'], /visible ASCII/],
    ['a double quote', ['a"b'], /visible ASCII/],
    ['a backslash', ['a\\b'], /visible ASCII/],
    ['a control character', ['a\tb'], /visible ASCII/],
    ['a non-ASCII letter', ['clé'], /visible ASCII/],
    ['sent twice', ['a', 'b'], /sent once/],
    ['sent twice, the same', ['a', 'a'], /sent once/],
  ])('refuses a key that is %s as IDEMPOTENCY_KEY_MALFORMED, naming the header', (_case, values, reason) => {
    const { code, detail } = refusal(headers(...values));
    expect(code).toBe(IdempotencyProblems.IDEMPOTENCY_KEY_MALFORMED.code);
    expect(detail).toMatch(reason);
    expect(detail).toContain('Idempotency-Key');
  });
});

describe('requestFingerprint', () => {
  const request: RequestIdentity = {
    method: 'POST',
    route: '/v1/transfers',
    params: {},
    query: {},
    body: { asset: 'ETH', amount: '1.5', destination: { address: '0xabc', tag: null }, notes: ['a', 'b'] },
  };
  const key = randomBytes(32);
  const fingerprint = (changes: Partial<RequestIdentity>): string => requestFingerprint({ ...request, ...changes }, key).toString('hex');

  it('is the same for the same request parsed from other bytes (key order, spacing, escapes)', () => {
    const resent = JSON.parse(
      '{ "notes" : ["a","b"], "destination": {"tag": null, "address": "0x\\u0061bc"}, "amount":"1.5", "asset":"ETH" }',
    );
    expect(fingerprint({ body: resent })).toBe(fingerprint({}));
    expect(requestFingerprint(request, key)).toHaveLength(32);
  });

  it('is keyed: no plain hash of a body (a vault value) that a copy of the database could check guesses against', () => {
    const body = { name: 'pin', value: '1234' };
    const keyed = requestFingerprint({ ...request, body }, key);
    expect(
      keyed.equals(
        createHash('sha256')
          .update(canonicalJson({ ...request, body }), 'utf8')
          .digest(),
      ),
    ).toBe(false);
    expect(keyed.equals(requestFingerprint({ ...request, body }, randomBytes(32)))).toBe(false);
    expect(keyed.equals(requestFingerprint({ ...request, body }, key))).toBe(true);
  });

  it('takes its key from the keyring’s oldest key: a new active master key changes nothing', () => {
    const v1 = randomBytes(32);
    const before = fingerprintKeyOf(new Keyring(new Map([[1, v1]]), 1));
    const after = fingerprintKeyOf(
      new Keyring(
        new Map([
          [1, v1],
          [2, randomBytes(32)],
        ]),
        2,
      ),
    );
    expect(after.equals(before)).toBe(true);
    expect(before.equals(v1)).toBe(false);
  });

  it('differs for another method, route, parameter, query or body, and for no body beside an empty one', () => {
    const others = [
      fingerprint({ method: 'PUT' }),
      fingerprint({ route: '/v1/transfers/:id' }),
      fingerprint({ params: { id: 'a' } }),
      fingerprint({ query: { dryRun: 'true' } }),
      fingerprint({ body: { ...(request.body as object), amount: '1.50' } }),
      fingerprint({ body: { ...(request.body as object), notes: ['b', 'a'] } }),
      fingerprint({ body: undefined }),
      fingerprint({ body: {} }),
    ];
    expect(new Set([fingerprint({}), ...others]).size).toBe(others.length + 1);
  });
});

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units at every depth, leaves out undefined members and writes numbers as ECMAScript does', () => {
    expect(canonicalJson({ b: 1, Y: 2, a: [{ d: 1e21, c: 1.0 }, undefined], é: 'x', Z: undefined, '\u20ac': -0 })).toBe(
      '{"Y":2,"a":[{"c":1,"d":1e+21},null],"b":1,"é":"x","€":0}',
    );
  });
});
