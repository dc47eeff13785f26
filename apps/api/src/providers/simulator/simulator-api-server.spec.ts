import { createHash, createHmac, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SimulatorApiServer } from './simulator-api-server';

const apiUser = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const API_KEY = randomUUID();

interface Call {
  path?: string;
  method?: 'GET' | 'POST';
  body?: string;
  /** Over the claims the adapter would send. */
  claims?: Record<string, unknown>;
  key?: KeyObject;
  apiKey?: string;
  /** The whole Authorization header, in place of the one made. */
  authorization?: string;
}

describe("the simulated provider API's authentication, checked exactly", () => {
  let simulator: SimulatorApiServer;
  beforeAll(async () => (simulator = await SimulatorApiServer.start({ apiUser: { apiKey: API_KEY, publicKey: apiUser.publicKey } })));
  afterAll(() => simulator.close());

  const bodyFor = (externalTxId: string = randomUUID()) =>
    JSON.stringify({
      assetId: 'ETH',
      amount: '1',
      source: { type: 'VAULT_ACCOUNT', id: '0' },
      destination: { type: 'ONE_TIME_ADDRESS', oneTimeAddress: { address: '0xabc' } },
      externalTxId,
    });

  /** A token as the adapter makes one, with `claims` over it. */
  const tokenFor = (path: string, body: string, claims: Record<string, unknown> = {}, key = apiUser.privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign(
      {
        uri: path,
        nonce: randomUUID(),
        iat: now,
        exp: now + 25,
        sub: API_KEY,
        bodyHash: createHash('sha256').update(body).digest('hex'),
        ...claims,
      },
      key,
      { algorithm: 'RS256' },
    );
  };

  async function call(options: Call = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const path = options.path ?? '/v1/transactions';
    const method = options.method ?? 'POST';
    const body = options.body ?? (method === 'POST' ? bodyFor() : '');
    const response = await fetch(`${simulator.url}${path}`, {
      method,
      headers: {
        ...(options.apiKey === '' ? {} : { 'x-api-key': options.apiKey ?? API_KEY }),
        ...(options.authorization === ''
          ? {}
          : { authorization: options.authorization ?? `Bearer ${tokenFor(path, body, options.claims, options.key)}` }),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body } : {}),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('creates a transaction for a request signed as documented, and refuses every tampered one without creating anything', async () => {
    expect(await call()).toMatchObject({ status: 200, json: { id: expect.any(String), status: 'SUBMITTED' } });
    const created = simulator.transactions().length;

    const body = bodyFor();
    const replayed = `Bearer ${tokenFor('/v1/transactions', body)}`;
    expect((await call({ body, authorization: replayed })).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const hs256 = (() => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ uri: '/v1/transactions', nonce: randomUUID(), iat: now, exp: now + 25, sub: API_KEY }),
      ).toString('base64url')}`;
      const publicPem = apiUser.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      return `${unsigned}.${createHmac('sha256', publicPem).update(unsigned).digest('base64url')}`;
    })();
    const tampered: [string, Call, string, number][] = [
      ['the same token and body again', { body, authorization: replayed }, 'nonce_replayed', -7],
      [
        'a body edited after signing',
        { body: bodyFor(), claims: { bodyHash: createHash('sha256').update(bodyFor()).digest('hex') } },
        'body_hash',
        -7,
      ],
      ['a token for another URI', { claims: { uri: '/v1/vault/accounts' } }, 'uri', -4],
      ['a token for the URI without its query', { path: '/v1/transactions?x=1', claims: { uri: '/v1/transactions' } }, 'uri', -4],
      ['another API key', { apiKey: randomUUID() }, 'api_key', -7],
      ['a token of another user', { claims: { sub: randomUUID() } }, 'user', -6],
      ['a token signed with another key', { key: stranger.privateKey }, 'signature', -1],
      ['HS256 keyed with the public key', { authorization: `Bearer ${hs256}` }, 'signature', -1],
      ['an expired token', { claims: { iat: now - 60, exp: now - 30 } }, 'expired', -10],
      ['a token living 30 s', { claims: { iat: now, exp: now + 30 } }, 'lifetime', -7],
      ['a token issued in the future', { claims: { iat: now + 60, exp: now + 80 } }, 'issued_in_future', -12],
      ['a token without a nonce', { claims: { nonce: undefined } }, 'claims', -7],
      ['no token', { authorization: '' }, 'missing', -3],
      ['no API key', { apiKey: '' }, 'missing', -3],
    ];
    for (const [name, options, reason, code] of tampered) {
      const before = simulator.requests().length;
      const answer = await call(options);
      expect({ name, status: answer.status, code: answer.json['code'], refused: simulator.requests()[before]?.refused }).toEqual({
        name,
        status: 401,
        code,
        refused: reason,
      });
    }
    expect(simulator.transactions()).toHaveLength(created + 1);
  });

  it('refuses the look-up by external reference on the same terms, and finds a transaction by it', async () => {
    const externalTxId = `ws:live:${randomUUID()}`;
    await call({ body: bodyFor(externalTxId) });
    const path = `/v1/transactions/external_tx_id/${encodeURIComponent(externalTxId)}`;
    expect(await call({ method: 'GET', path })).toMatchObject({ status: 200, json: { externalTxId, assetId: 'ETH', amount: '1' } });
    // A token must name the path as sent, and hash the empty body of a GET.
    expect((await call({ method: 'GET', path, claims: { uri: `/v1/transactions/external_tx_id/${externalTxId}` } })).status).toBe(401);
    expect((await call({ method: 'GET', path, claims: { bodyHash: createHash('sha256').update('""').digest('hex') } })).status).toBe(401);
    expect(await call({ method: 'GET', path: '/v1/transactions/external_tx_id/nope' })).toMatchObject({
      status: 404,
      json: { code: 1404 },
    });
  });

  it('refuses a second transaction with an external reference already used, and a body it cannot read', async () => {
    const body = bodyFor();
    expect((await call({ body })).status).toBe(200);
    expect(await call({ body })).toMatchObject({ status: 400, json: { code: 1409 } });
    expect(await call({ body: JSON.stringify({ ...JSON.parse(body), amount: 1 }) })).toMatchObject({ status: 400, json: { code: 1400 } });
    expect(await call({ body: '{' })).toMatchObject({ status: 400, json: { code: 1400 } });
  });
});
