import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { MAX_CALLBACK_BYTES, ProviderKey, verifyCallbackToken } from './callback-token';
import { readSignRequest } from './sign-request';

const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys: ProviderKey[] = [{ kid: 'v1', publicKey: provider.publicKey }];
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const rs256 = (key: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), key);
/** A token of raw header and payload JSON text (duplicate keys and all), signed by `signer`. */
const raw = (header: string, payload: string, signer: (input: string) => Buffer = rs256(provider.privateKey)) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input).toString('base64url')}`;
};

describe('attacks on callback tokens that held (pinned)', () => {
  it('reads a duplicated header alg as JSON.parse and jws both do (the last), so no alg confusion', () => {
    const publicPem = provider.publicKey.export({ type: 'spki', format: 'pem' });
    const hmac = (input: string) => createHmac('sha256', publicPem).update(input).digest();
    expect(verifyCallbackToken(raw('{"alg":"RS256","alg":"HS256"}', '{"requestId":"r"}', hmac), keys)).toEqual({ refused: 'algorithm' });
    expect(verifyCallbackToken(raw('{"alg":"HS256","alg":"RS256"}', '{"requestId":"r"}', hmac), keys)).toEqual({ refused: 'signature' });
    expect(verifyCallbackToken(raw('{"alg":"none","alg":"RS256"}', '{"requestId":"r"}'), keys)).toMatchObject({ payload: {} });
    for (const alg of ['rs256', 'RS256 ', ' RS256', 'RS256\u0000', ['RS256'], null])
      expect(verifyCallbackToken(raw(JSON.stringify({ alg }), '{"requestId":"r"}'), keys)).toEqual({ refused: 'algorithm' });
  });

  it('refuses kids that are prototype keys, and tokens a non-RSA key cannot check, without throwing', () => {
    for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      expect(verifyCallbackToken(raw(JSON.stringify({ alg: 'RS256', kid }), '{"requestId":"r"}'), keys)).toEqual({
        refused: 'unknown_key',
      });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(verifyCallbackToken(raw('{"alg":"RS256"}', '{"requestId":"r"}'), [{ kid: 'v1', publicKey: ec.publicKey }])).toEqual({
      refused: 'signature',
    });
  });

  it('hands over a duplicated payload key as the one value both parsers read (the last), a __proto__ key as plain data', () => {
    const verified = verifyCallbackToken(raw('{"alg":"RS256"}', '{"requestId":"r","amountStr":"1","amountStr":"1000"}'), keys);
    expect(verified).toEqual({ payload: { requestId: 'r', amountStr: '1000' } });
    const polluting = verifyCallbackToken(
      raw(
        '{"alg":"RS256"}',
        '{"requestId":"r","__proto__":{"amountStr":"1","polluted":true},"destinations":[{"__proto__":{"dstAddress":"0xgood"}}]}',
      ),
      keys,
    );
    if (!('payload' in polluting)) throw new Error('refused');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(polluting.payload)).toBe(Object.prototype);
    const request = readSignRequest(polluting.payload, new Date());
    expect(request.facts.amount).toBeUndefined();
    expect(request.facts.destinations).toEqual([{}]);
  });

  it('refuses payloads that are not objects, bad exp and future nbf, BOMs and inner whitespace [V9.2.1]', () => {
    for (const payload of ['"text"', '1', 'null', 'true', '[]'])
      expect(verifyCallbackToken(raw('{"alg":"RS256"}', payload), keys)).toEqual({ refused: 'malformed' });
    expect(verifyCallbackToken(raw('{"alg":"RS256"}', '{"exp":"9999999999"}'), keys)).toEqual({ refused: 'bad_claims' });
    expect(verifyCallbackToken(jwt.sign({ requestId: 'r' }, provider.privateKey, { algorithm: 'RS256', notBefore: 3600 }), keys)).toEqual({
      refused: 'not_yet_valid',
    });
    const good = raw('{"alg":"RS256"}', '{"requestId":"r"}');
    expect(verifyCallbackToken(`\n ${good}\r\n`, keys)).toHaveProperty('payload');
    expect(verifyCallbackToken(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]), keys)).toEqual({
      refused: 'malformed',
    });
    expect(verifyCallbackToken(good.replace('.', ' .'), keys)).toEqual({ refused: 'malformed' });
  });

  // How long they take is measured in `npm run bench` (cosigner policy worst cases).
  it('refuses the largest garbage bodies (no regex backtracking: see the bench)', () => {
    for (const body of [
      'a'.repeat(MAX_CALLBACK_BYTES),
      `${'a'.repeat(MAX_CALLBACK_BYTES / 2 - 2)}.${'a'.repeat(MAX_CALLBACK_BYTES / 2 - 2)}!`,
      '.'.repeat(MAX_CALLBACK_BYTES),
      `a.${'a.'.repeat(MAX_CALLBACK_BYTES / 2 - 2)}`,
    ])
      expect(verifyCallbackToken(body, keys)).toEqual({ refused: 'malformed' });
  });

  it('trims only ASCII whitespace around the token: a non-breaking space or a BOM around it is malformed', () => {
    const good = raw('{"alg":"RS256"}', '{"requestId":"r"}');
    expect(verifyCallbackToken(`${good}\r\n`, keys)).toHaveProperty('payload');
    expect(verifyCallbackToken(Buffer.concat([Buffer.from([0xa0]), Buffer.from(good)]), keys)).toEqual({ refused: 'malformed' });
    expect(verifyCallbackToken(`\uFEFF${good}`, keys)).toEqual({ refused: 'malformed' });
  });
});
