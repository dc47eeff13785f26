import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signCallbackAnswer } from './callback-answer';
import { MAX_CALLBACK_BYTES, ProviderKey, verifyCallbackToken } from './callback-token';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = pair();
const rotated = pair();
const stranger = pair();
const keys: ProviderKey[] = [
  { kid: 'v1', publicKey: provider.publicKey },
  { kid: 'v2', publicKey: rotated.publicKey },
];
const PAYLOAD = { requestId: 'req-1', txId: 'tx-1', operation: 'TRANSFER', asset: 'ETH', amountStr: '1.5', externalTxId: 'w:k' };

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token assembled by hand, as an attacker would: any header, any payload, a signature over them by `signer`. */
const forged = (header: Record<string, unknown>, payload: unknown, signer?: (input: string) => Buffer) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer ? signer(input).toString('base64url') : ''}`;
};
const rs256 = (key: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), key);
const signed = (payload: object, key: KeyObject = provider.privateKey, options: jwt.SignOptions = {}) =>
  jwt.sign(payload, key, { algorithm: 'RS256', ...options });

describe('co-signer callbacks, verified before anything reads them', () => {
  it('accepts RS256 by any version of the provider key, with or without a kid naming it', () => {
    expect(verifyCallbackToken(signed(PAYLOAD), keys)).toEqual({ payload: expect.objectContaining(PAYLOAD) });
    expect(verifyCallbackToken(Buffer.from(signed(PAYLOAD, rotated.privateKey)), keys)).toEqual({
      payload: expect.objectContaining(PAYLOAD),
    });
    expect(verifyCallbackToken(signed(PAYLOAD, rotated.privateKey, { keyid: 'v2' }), keys)).toMatchObject({ payload: PAYLOAD });
  });

  it('refuses every forgery of the battery, each for its reason [V9.1.1 V9.1.2 V9.1.3 V9.2.1]', () => {
    const publicPem = provider.publicKey.export({ type: 'spki', format: 'pem' });
    const good = signed(PAYLOAD);
    const [header, body, signature] = good.split('.') as [string, string, string];
    const attacks: [string, string | Buffer, string][] = [
      ['alg none', forged({ alg: 'none', typ: 'JWT' }, PAYLOAD), 'malformed'],
      ['alg none, with a signature', forged({ alg: 'none' }, PAYLOAD, () => Buffer.from('x')), 'algorithm'],
      [
        'HS256 keyed with the public key',
        forged({ alg: 'HS256' }, PAYLOAD, (input) => createHmac('sha256', publicPem).update(input).digest()),
        'algorithm',
      ],
      ['RS512', forged({ alg: 'RS512' }, PAYLOAD, (input) => sign('sha512', Buffer.from(input), provider.privateKey)), 'algorithm'],
      ['PS256', forged({ alg: 'PS256' }, PAYLOAD, rs256(provider.privateKey)), 'algorithm'],
      [
        'embedded jwk',
        forged({ alg: 'RS256', jwk: stranger.publicKey.export({ format: 'jwk' }) }, PAYLOAD, rs256(stranger.privateKey)),
        'key_in_header',
      ],
      ['jku', forged({ alg: 'RS256', jku: 'https://attacker.example/keys' }, PAYLOAD, rs256(stranger.privateKey)), 'key_in_header'],
      ['x5u', forged({ alg: 'RS256', x5u: 'https://attacker.example/cert' }, PAYLOAD, rs256(stranger.privateKey)), 'key_in_header'],
      ['crit', forged({ alg: 'RS256', crit: ['exp'] }, PAYLOAD, rs256(provider.privateKey)), 'key_in_header'],
      ['unknown kid', signed(PAYLOAD, provider.privateKey, { keyid: 'v9' }), 'unknown_key'],
      ['kid of the wrong type', forged({ alg: 'RS256', kid: 1 }, PAYLOAD, rs256(provider.privateKey)), 'malformed'],
      ['a stranger key', signed(PAYLOAD, stranger.privateKey), 'signature'],
      ['a stranger key naming v1', signed(PAYLOAD, stranger.privateKey, { keyid: 'v1' }), 'signature'],
      ['an edited payload', `${header}.${b64({ ...PAYLOAD, amountStr: '1500' })}.${signature}`, 'signature'],
      ['a cut signature', `${header}.${body}.${signature.slice(0, -4)}`, 'signature'],
      ['no signature', `${header}.${body}.`, 'malformed'],
      ['two tokens', `${good}.${good}`, 'malformed'],
      ['a signature moved to another body', `${header}.${b64({ requestId: 'req-2' })}.${signature}`, 'signature'],
      ['not base64url', `${header}.${body}+/=.${signature}`, 'malformed'],
      ['a JSON body instead of a token', JSON.stringify(PAYLOAD), 'malformed'],
      ['an array payload', forged({ alg: 'RS256' }, [1, 2], rs256(provider.privateKey)), 'malformed'],
      ['a header that is not JSON', `${b64('{alg')}.${body}.${signature}`, 'malformed'],
      ['expired', signed({ ...PAYLOAD, exp: 1_000_000 }), 'expired'],
      ['oversized', `${header}.${b64({ ...PAYLOAD, note: 'x'.repeat(MAX_CALLBACK_BYTES) })}.${signature}`, 'too_large'],
      ['non-ASCII bytes', Buffer.concat([Buffer.from(good), Buffer.from([0xff])]), 'malformed'],
      ['empty', '', 'malformed'],
    ];
    for (const [attack, token, reason] of attacks)
      expect({ attack, result: verifyCallbackToken(token, keys) }).toEqual({ attack, result: { refused: reason } });
  });

  it('refuses everything when no key is configured', () => {
    expect(verifyCallbackToken(signed(PAYLOAD), [])).toEqual({ refused: 'unknown_key' });
  });
});

describe('co-signer answers', () => {
  const ours = pair();

  it('are RS256 JWS of exactly action, requestId and rejectionReason, identical bytes every time', () => {
    const answer = { action: 'REJECT', requestId: 'req-1', rejectionReason: 'cap_window_sum' } as const;
    const first = signCallbackAnswer(answer, ours.privateKey, 'v1');
    expect(signCallbackAnswer(answer, ours.privateKey, 'v1')).toBe(first);
    const decoded = jwt.verify(first, ours.publicKey, { algorithms: ['RS256'], complete: true });
    expect(decoded.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'v1' });
    expect(decoded.payload).toEqual(answer);
    expect(jwt.decode(signCallbackAnswer({ action: 'APPROVE', requestId: 'req-2' }, ours.privateKey, 'v1'))).toEqual({
      action: 'APPROVE',
      requestId: 'req-2',
    });
  });
});
