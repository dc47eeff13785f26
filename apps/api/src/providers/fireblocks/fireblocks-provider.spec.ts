import { KeyMaterialDirectory } from '@ringfence/crypto';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import jwt from 'jsonwebtoken';
import { freePort } from '../../bootstrap/free-port';
import { CustodyProviderUnavailable, TransferSubmission } from '../custody-provider';
import { SimulatorApiServer } from '../simulator/simulator-api-server';
import { FireblocksCredentials } from './fireblocks-credentials';
import { FireblocksProvider } from './fireblocks-provider';

const apiUser = generateKeyPairSync('rsa', { modulusLength: 2048 });
const API_KEY = randomUUID();
const PEM = apiUser.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const submission = (overrides: Partial<TransferSubmission> = {}): TransferSubmission => ({
  externalTxId: `5f1c2a9e-7b3d-4e8a-9c61-0d2f4b6a8e10:live:${randomUUID()}`,
  asset: 'ETH',
  amount: '1.5',
  source: { type: 'VAULT_ACCOUNT', id: '0' },
  destination: { type: 'ONE_TIME_ADDRESS', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
  note: 'payout 7',
  ...overrides,
});

/** What a promise rejected with (it must reject). */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

/** An error as the port's kind and code, which is what the transfers service reads. */
const kindOf = (error: Error): [string, unknown] => [error.name, (error as { code?: unknown }).code];
const refusal = (code: string): [string, string] => ['CustodyProviderRefusal', code];
const unavailable = (code: string): [string, string] => ['CustodyProviderUnavailable', code];

describe('the Fireblocks API credentials', () => {
  let dir: string;
  const write = (name: string, content: string) => writeFileSync(join(dir, name), content, { mode: 0o600 });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rf-fireblocks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the API key and the private key of one version, and shows nothing of them', () => {
    write('fireblocks-api-key.v1.key', `${API_KEY}\n`);
    write('fireblocks-api.v1.pem', PEM);
    const credentials = FireblocksCredentials.load(new KeyMaterialDirectory(dir));
    expect(credentials.apiKey).toBe(API_KEY);
    expect(credentials.privateKey.asymmetricKeyType).toBe('rsa');
    const shown = `${JSON.stringify({ credentials })} ${inspect(credentials)}`;
    expect(shown).not.toContain(API_KEY);
    expect(shown).not.toContain('PRIVATE');
    expect(JSON.stringify(credentials)).toBe('{"version":1}');
  });

  it('stops on missing or malformed material, naming the file and never its content', () => {
    expect(() => FireblocksCredentials.load(new KeyMaterialDirectory(dir))).toThrow(/fireblocks-api-key\.v1\.key.*no Fireblocks API key/);
    write('fireblocks-api-key.v2.key', API_KEY);
    expect(() => FireblocksCredentials.load(new KeyMaterialDirectory(dir))).toThrow(/fireblocks-api\.v2\.pem.*cannot be opened/);
    write('fireblocks-api.v2.pem', 'not a key');
    expect(() => FireblocksCredentials.load(new KeyMaterialDirectory(dir))).toThrow(/fireblocks-api\.v2\.pem.*not a PEM private key/);
    write('fireblocks-api.v2.pem', PEM);
    write('fireblocks-api-key.v3.key', 'has a space in it');
    const refusal = (() => {
      try {
        FireblocksCredentials.load(new KeyMaterialDirectory(dir));
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(refusal).toMatch(/fireblocks-api-key\.v3\.key.*is not an API key/);
    expect(refusal).not.toContain('has a space in it');
    rmSync(join(dir, 'fireblocks-api-key.v3.key'));
    // The version asked for, with its own private key.
    expect(FireblocksCredentials.load(new KeyMaterialDirectory(dir), 2).version).toBe(2);
  });
});

describe('the Fireblocks-shaped HTTP adapter, against the simulated API', () => {
  let dir: string;
  let simulator: SimulatorApiServer;
  let credentials: FireblocksCredentials;
  const adapter = (options: { timeoutMs?: number; baseUrl?: string; with?: FireblocksCredentials } = {}) =>
    new FireblocksProvider(
      { baseUrl: options.baseUrl ?? simulator.url, timeoutMs: options.timeoutMs ?? 5000 },
      options.with ?? credentials,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rf-fireblocks-'));
    writeFileSync(join(dir, 'fireblocks-api-key.v1.key'), API_KEY, { mode: 0o600 });
    writeFileSync(join(dir, 'fireblocks-api.v1.pem'), PEM, { mode: 0o600 });
    credentials = FireblocksCredentials.load(new KeyMaterialDirectory(dir));
    simulator = await SimulatorApiServer.start({ apiUser: { apiKey: API_KEY, publicKey: apiUser.publicKey } });
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the transaction with the body the provider documents, authenticated as it documents', async () => {
    const transfer = submission();
    const { providerTxId } = await adapter().submitTransfer(transfer);
    expect(simulator.transaction(transfer.externalTxId)?.id).toBe(providerTxId);
    const [request] = simulator.requests().slice(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/v1/transactions', status: 200, apiKey: API_KEY });
    expect(JSON.parse(request!.body)).toEqual({
      assetId: 'ETH',
      amount: '1.5',
      source: { type: 'VAULT_ACCOUNT', id: '0' },
      destination: { type: 'ONE_TIME_ADDRESS', oneTimeAddress: { address: transfer.destination.address } },
      note: 'payout 7',
      externalTxId: transfer.externalTxId,
    });
    const token = request!.authorization!.replace(/^Bearer /, '');
    const claims = jwt.verify(token, apiUser.publicKey, { algorithms: ['RS256'] }) as Record<string, number | string>;
    expect(claims).toEqual({
      uri: '/v1/transactions',
      nonce: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
      sub: API_KEY,
      bodyHash: createHash('sha256').update(request!.body).digest('hex'),
    });
    expect(Number(claims['exp']) - Number(claims['iat'])).toBeLessThan(30);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('RS256');
  });

  it('names a whitelisted destination by its type and id, and refuses, unsent, a destination the API cannot take', async () => {
    const whitelisted = submission({ destination: { type: 'EXTERNAL_WALLET', id: 'wallet-7' }, note: undefined });
    await adapter().submitTransfer(whitelisted);
    expect(JSON.parse(simulator.requests().slice(-1)[0]!.body)).toEqual({
      assetId: 'ETH',
      amount: '1.5',
      source: { type: 'VAULT_ACCOUNT', id: '0' },
      destination: { type: 'EXTERNAL_WALLET', id: 'wallet-7' },
      externalTxId: whitelisted.externalTxId,
    });
    const sent = simulator.requests().length;
    const typedAddress = await failureOf(
      adapter().submitTransfer(submission({ destination: { type: 'EXTERNAL_WALLET', address: '0xabc' } })),
    );
    const untypedId = await failureOf(adapter().submitTransfer(submission({ destination: { id: 'wallet-7' } })));
    expect([typedAddress, untypedId].map(kindOf)).toEqual([refusal('destination_type_unsupported'), refusal('destination_type_missing')]);
    expect(simulator.requests()).toHaveLength(sent);
  });

  it('answers the id of the transaction an external reference already made (the provider 400s the second one)', async () => {
    const transfer = submission();
    const first = await adapter().submitTransfer(transfer);
    const before = simulator.requests().length;
    const again = await adapter().submitTransfer(transfer);
    expect(again).toEqual(first);
    const lookUp = `/v1/transactions/external_tx_id/${encodeURIComponent(transfer.externalTxId)}`;
    expect(
      simulator
        .requests()
        .slice(before)
        .map(({ method, url, status }) => [method, url, status]),
    ).toEqual([
      ['POST', '/v1/transactions', 400],
      ['GET', lookUp, 200],
    ]);
    const claims = jwt.decode(
      simulator
        .requests()
        .slice(-1)[0]!
        .authorization!.replace(/^Bearer /, ''),
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({ uri: lookUp, bodyHash: createHash('sha256').update('').digest('hex') });
    expect(simulator.transactions().filter((transaction) => transaction.externalTxId === transfer.externalTxId)).toHaveLength(1);
  });

  it('refuses for good what the provider refuses with a 4xx (no transaction by that reference), with its code', async () => {
    const before = simulator.requests().length;
    expect(kindOf(await failureOf(adapter().submitTransfer(submission({ amount: '01.5' }))))).toEqual(refusal('http_400:1400'));
    const since = simulator.requests().slice(before);
    expect(since.map(({ method, status }) => [method, status])).toEqual([
      ['POST', 400],
      ['GET', 404],
    ]);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'fireblocks-api-key.v2.key'), randomUUID(), { mode: 0o600 });
    writeFileSync(join(dir, 'fireblocks-api.v2.pem'), stranger, { mode: 0o600 });
    const unknownUser = FireblocksCredentials.load(new KeyMaterialDirectory(dir), 2);
    const refused = await failureOf(adapter({ with: unknownUser }).submitTransfer(submission()));
    expect(kindOf(refused)).toEqual(refusal('http_401:-7'));
    expect(simulator.requests().slice(-1)[0]).toMatchObject({ status: 401, refused: 'api_key' });
    // Nothing of the credentials or the token in what the error carries.
    const sent = simulator.requests().slice(-1)[0]!;
    const told = `${refused.message} ${JSON.stringify(refused)} ${inspect(refused)}`;
    for (const secret of [sent.apiKey!, sent.authorization!.slice(7), API_KEY]) expect(told).not.toContain(secret);
  });

  it('leaves to a later submission what failed for a while: a 5xx, a 429, a timeout, the network [V16.5.2]', async () => {
    simulator.failNext({ status: 500 });
    simulator.failNext({ status: 503 });
    simulator.failNext({ status: 429 });
    const results = [];
    for (let i = 0; i < 3; i += 1) results.push(await failureOf(adapter().submitTransfer(submission())));
    simulator.failNext({ hangMs: 3000 });
    results.push(await failureOf(adapter({ timeoutMs: 200 }).submitTransfer(submission())));
    results.push(await failureOf(adapter({ baseUrl: `http://127.0.0.1:${await freePort()}` }).submitTransfer(submission())));
    expect(results.map(kindOf)).toEqual(['http_500', 'http_503', 'http_429', 'timeout', 'network'].map(unavailable));
    expect(results.every((error) => error instanceof CustodyProviderUnavailable)).toBe(true);
  });

  it('never follows a redirect: a 3xx is no answer, and its target is never called [V15.3.2]', async () => {
    const called: string[] = [];
    const target = createServer((req, res) => {
      called.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"redirected"}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const redirecting = createServer((req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}${req.url ?? '/'}` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      expect(kindOf(await failureOf(adapter({ baseUrl }).submitTransfer(submission())))).toEqual(unavailable('network'));
      expect(called).toEqual([]);
    } finally {
      await Promise.all([target, redirecting].map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('takes an answer it cannot read for no answer: the transaction may exist, the next submission finds it [API10:2023]', async () => {
    const transfer = submission();
    simulator.failNext({ status: 200, afterCreating: true });
    // A 200 whose body is no transaction ({ message, code }): no id to record.
    expect(kindOf(await failureOf(adapter().submitTransfer(transfer)))).toEqual(unavailable('answer_unreadable'));
    const { providerTxId } = await adapter().submitTransfer(transfer);
    expect(providerTxId).toBe(simulator.transaction(transfer.externalTxId)?.id);
  });
});
