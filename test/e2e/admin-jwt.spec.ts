import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { TestAdmin } from '../support/admin-session';
import { TEST_SIGNING_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Access-token verification pins the algorithm, the key and every claim; anything else is the uniform 401. */
describe('admin access tokens', () => {
  const t = useTestApp();
  let admin: TestAdmin;
  let kid: string;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    admin = await t.newAdmin('owner');
    const [header, payload] = admin.session.accessToken.split('.') as [string, string];
    kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  });

  const me = (token: string) => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
  const now = (): number => Math.floor(Date.now() / 1000);
  const forge = (
    overrides: Record<string, unknown>,
    options: { header?: Record<string, unknown>; key?: string | Buffer; algorithm?: 'ES256' | 'HS256' } = {},
  ): string =>
    sign({ ...claims, jti: randomUUID(), iat: now(), nbf: now(), exp: now() + 600, ...overrides }, options.key ?? TEST_SIGNING_KEY, {
      algorithm: options.algorithm ?? 'ES256',
      header: { alg: options.algorithm ?? 'ES256', typ: 'at+jwt', kid, ...options.header },
    });

  it('carries kid, typ, iss, aud, sub, sid, jti, iat, nbf and exp, and lives 10 minutes [V7.2.2 V9.2.4]', () => {
    expect(claims).toEqual({
      iss: 'ringfence',
      aud: 'ringfence-admin',
      sub: admin.id,
      sid: admin.session.sessionId,
      jti: expect.any(String),
      iat: expect.any(Number),
      nbf: expect.any(Number),
      exp: (claims.iat as number) + 600,
    });
  });

  it('accepts a token forged with our own key and right claims (the control case)', async () => {
    expect((await me(forge({}))).statusCode).toBe(200);
    // Another instance's clock a little ahead, and a token issued a while ago: both fine.
    expect((await me(forge({ iat: now() + 10, nbf: now(), exp: now() + 600 }))).statusCode).toBe(200);
    expect((await me(forge({ iat: now() - 300, nbf: now() - 300, exp: now() + 300 }))).statusCode).toBe(200);
  });

  it.each([
    ['alg none [V9.1.2]', () => `${base64url({ alg: 'none', typ: 'at+jwt', kid })}.${base64url({ ...claims, exp: now() + 600 })}.`],
    [
      'HS256 signed with the public key [V9.1.2]',
      () =>
        forge({}, { algorithm: 'HS256', key: createPublicKey(createPrivateKey(TEST_SIGNING_KEY)).export({ type: 'spki', format: 'pem' }) }),
    ],
    ['an unknown kid [V9.1.3]', () => forge({}, { header: { kid: 'not-a-key-of-ours' } })],
    [
      'our kid on a stranger’s key [V9.1.1 V9.1.3]',
      () => forge({}, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) }),
    ],
    [
      'no kid [V9.1.3]',
      () => sign({ ...claims, exp: now() + 600 }, TEST_SIGNING_KEY, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt' } }),
    ],
    ['the wrong typ [V9.2.2]', () => forge({}, { header: { typ: 'JWT' } })],
    ['the wrong aud [V9.2.3 V9.2.4]', () => forge({ aud: 'ringfence-workspace' })],
    ['the wrong iss [V9.2.3]', () => forge({ iss: 'someone-else' })],
    ['an expired token [V9.2.1]', () => forge({ iat: now() - 1200, nbf: now() - 1200, exp: now() - 600 })],
    ['a token not valid yet [V9.2.1]', () => forge({ nbf: now() + 600, exp: now() + 1200 })],
    ['no jti [V9.2.2]', () => forge({ jti: undefined })],
    ['no sid [V9.2.2]', () => forge({ sid: undefined })],
    ['a session of another admin', () => forge({ sub: randomUUID() })],
    [
      'a flipped signature bit [V9.1.1]',
      () => {
        const token = forge({});
        const [h, p, s] = token.split('.') as [string, string, string];
        const signature = Buffer.from(s, 'base64url');
        signature[10] = signature[10]! ^ 1;
        return `${h}.${p}.${signature.toString('base64url')}`;
      },
    ],
    [
      'a critical header extension (RFC 7515 §4.1.11)',
      () => forge({}, { header: { crit: ['urn:example:acme'], 'urn:example:acme': true } }),
    ],
    ['an empty crit list', () => forge({}, { header: { crit: [] } })],
    ['an iat in the future beyond the skew [V9.2.1]', () => forge({ iat: now() + 120, nbf: now(), exp: now() + 600 })],
    ['a lifetime longer than we issue [V9.2.1]', () => forge({ exp: now() + 601 })],
    ['a day-long token [V9.2.1]', () => forge({ iat: now() - 60, nbf: now() - 60, exp: now() + 86_400 })],
    ['an exp before its iat [V9.2.1]', () => forge({ iat: now() + 20, nbf: now(), exp: now() + 10 })],
    ['a refresh token [V9.2.2]', () => admin.session.refreshToken!],
    ['garbage', () => 'not.a.jwt'],
  ])('refuses %s with the uniform 401 [V7.2.1 API2:2023]', async (_name, token) => {
    const response = await me(token());
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'Valid credentials are required.' });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['an embedded jwk', (key: KeyObject) => ({ jwk: createPublicKey(key).export({ format: 'jwk' }) })],
    ['a jku', () => ({ jku: 'https://attacker.example/keys.json' })],
    ['an x5u', () => ({ x5u: 'https://attacker.example/cert.pem' })],
  ])(
    'never takes a key the token offers (%s): signed by that key under our kid, it is the uniform 401 [V7.2.1 V9.1.3]',
    async (_name, header) => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const response = await me(forge({}, { key: privateKey.export({ type: 'pkcs8', format: 'pem' }), header: header(privateKey) }));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    },
  );

  it('refuses a valid workspace API key as an admin credential [V7.2.2]', async () => {
    const key = await t.newKey({ scopes: ['vault:read'] });
    expect((await t.app.inject({ method: 'GET', url: '/v1/workspace', headers: key.headers })).statusCode).toBe(200);
    for (const url of ['/v1/auth/me', '/v1/auth/sessions', '/v1/admin/admins']) {
      const response = await t.app.inject({ method: 'GET', url, headers: key.headers });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 401 });
    }
  });

  it('authenticates many concurrent requests, each as its own admin', async () => {
    const others = await Promise.all([t.newAdmin('admin'), t.newAdmin('auditor')]);
    const callers = [admin, ...others];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => callers[i % 3]!).map(async (caller) => ({
        caller,
        answer: await me(caller.session.accessToken),
      })),
    );
    for (const { caller, answer } of answers) {
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ id: caller.id });
    }
  });

  it('keeps the previous key valid after rotation, and signs with the new one', async () => {
    const v2 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rotated = await t.another({ secretFiles: { 'jwt-signing.v2.pem': v2 } });
    try {
      // A token signed by v1 before the rotation still works on the rotated instance.
      expect((await rotated.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers })).statusCode).toBe(200);
      // New tokens are v2's; an instance that never had v2 does not know them.
      const refreshed = await rotated.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: admin.session.refreshToken },
      });
      expect(refreshed.statusCode).toBe(200);
      const { accessToken, refreshToken } = refreshed.json<{ accessToken: string; refreshToken: string }>();
      const header = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string };
      expect(header.kid).not.toBe(kid);
      expect(
        (await rotated.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode,
      ).toBe(200);
      expect((await me(accessToken)).statusCode).toBe(401);
      admin.session = { ...admin.session, refreshToken };
    } finally {
      await rotated.close();
    }
  });
});
