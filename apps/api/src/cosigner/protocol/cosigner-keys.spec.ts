import { KeyMaterialDirectory } from '@ringfence/crypto';
import jwt from 'jsonwebtoken';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { signCallbackAnswer } from './callback-answer';
import { verifyCallbackToken } from './callback-token';
import { CosignerKeys } from './cosigner-keys';

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const privatePem = (pair: ReturnType<typeof rsa>) => pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = (pair: ReturnType<typeof rsa>) => pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('cosigner key material', () => {
  let root: string;
  const dir = (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content, { mode: 0o600 });
    return new KeyMaterialDirectory(root);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rf-cosigner-keys-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const ours = rsa();
  const ours2 = rsa();
  const acme = rsa();
  const acme2 = rsa();

  it('signs with the highest response key and verifies a provider with every version of its key', () => {
    const keys = CosignerKeys.load(
      dir({
        'cosigner-response.v1.pem': privatePem(ours),
        'cosigner-response.v2.pem': privatePem(ours2),
        'cosigner-acme.pub.v1.pem': publicPem(acme),
        'cosigner-acme.pub.v2.pem': publicPem(acme2),
      }),
      ['acme'],
    );
    expect(keys.signing.kid).toBe('v2');
    const answer = signCallbackAnswer({ action: 'APPROVE', requestId: 'r' }, keys.signing.privateKey, keys.signing.kid);
    expect(jwt.verify(answer, ours2.publicKey, { algorithms: ['RS256'] })).toEqual({ action: 'APPROVE', requestId: 'r' });
    const { n, e } = ours2.publicKey.export({ format: 'jwk' });
    expect(keys.responsePublicKey).toEqual({
      kid: 'v2',
      pem: publicPem(ours2),
      jwk: { kty: 'RSA', n, e, kid: 'v2', alg: 'RS256', use: 'sig' },
    });
    expect(jwt.verify(answer, createPublicKey({ key: keys.responsePublicKey.jwk, format: 'jwk' }), { algorithms: ['RS256'] })).toEqual({
      action: 'APPROVE',
      requestId: 'r',
    });
    for (const [pair, kid] of [
      [acme, 'v1'],
      [acme2, 'v2'],
    ] as const) {
      const token = jwt.sign({ requestId: 'r' }, pair.privateKey, { algorithm: 'RS256', keyid: kid });
      expect(verifyCallbackToken(token, keys.providerKeys('acme'))).toMatchObject({ payload: { requestId: 'r' } });
    }
    expect(keys.providerKeys('other')).toEqual([]);
  });

  it('keeps an older response key active when asked, and never shows a private key', () => {
    const keys = CosignerKeys.load(
      dir({
        'cosigner-response.v1.pem': privatePem(ours),
        'cosigner-response.v2.pem': privatePem(ours2),
        'cosigner-acme.pub.v1.pem': publicPem(acme),
      }),
      ['acme'],
      1,
    );
    expect(keys.signing.kid).toBe('v1');
    const shown = `${inspect(keys)} ${JSON.stringify(keys)}`;
    expect(shown).toBe('CosignerKeys { response: v1, providers: [acme] } {"responseKid":"v1","providers":["acme"]}');
    expect(shown).not.toContain('PRIVATE');
  });

  it('refuses what is missing, weak, of the wrong kind or misnamed, naming the file only', () => {
    const weak = rsa(1024);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ 'cosigner-acme.pub.v1.pem': publicPem(acme) }, ['acme'], /cosigner-response\.v1\.pem.*no cosigner response key/],
      [{ 'cosigner-response.v1.pem': privatePem(ours) }, ['acme'], /cosigner-acme\.pub\.v1\.pem.*no acme co-signer public key/],
      [{ 'cosigner-response.v1.pem': privatePem(weak) }, [], /cosigner-response\.v1\.pem.*at least 2048 bits/],
      [{ 'cosigner-response.v1.pem': ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, [], /must be an RSA private key/],
      [{ 'cosigner-response.v1.pem': publicPem(ours) }, [], /is not a PEM private key/],
      [{ 'cosigner-response.v1.pem': privatePem(ours), 'cosigner-acme.pub.v1.pem': publicPem(weak) }, ['acme'], /at least 2048 bits/],
      [{ 'cosigner-response.v1.pem': privatePem(ours), 'cosigner-acme.pub.v1.pem': 'not a key' }, ['acme'], /is not a PEM public key/],
      [{ 'cosigner-response.v1.pem': privatePem(ours) }, ['Acme!'], /provider name/],
      // The dot in the file name is literal: no other character stands in for it.
      [
        { 'cosigner-response.v1.pem': privatePem(ours), 'cosigner-acmeXpub.v1.pem': publicPem(acme) },
        ['acme'],
        /no acme co-signer public key/,
      ],
    ];
    for (const [files, providers, error] of cases) {
      rmSync(root, { recursive: true, force: true });
      root = mkdtempSync(join(tmpdir(), 'rf-cosigner-keys-'));
      const load = () => CosignerKeys.load(dir(files), providers);
      expect(load).toThrow(error);
      try {
        load();
      } catch (thrown) {
        expect(String(thrown)).not.toContain('BEGIN');
      }
    }
  });
});
