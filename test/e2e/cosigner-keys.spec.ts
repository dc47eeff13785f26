import jwt from 'jsonwebtoken';
import { createPublicKey, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { signCallbackAnswer } from '../../apps/api/src/cosigner/protocol/callback-answer';
import { CosignerKeys } from '../../apps/api/src/cosigner/protocol/cosigner-keys';
import { expectProblem } from '../support/assertions';
import { TEST_COSIGNER_RESPONSE_PUBLIC_KEY, TEST_SIMULATOR_PRIVATE_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/** A PEM's base64 body, joined: what would show if any of it reached a log or an answer. */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

interface PublicKeyAnswer {
  provider: string;
  kid: string;
  algorithm: string;
  publicKeyPem: string;
  jwk: JsonWebKey;
}

/**
 * The cosigner's key material as the app loads it at boot (our response key, each configured
 * provider's public keys), and `GET /v1/cosigner/:provider/public-key`, the public half of the
 * key our answers are signed with, for the provider's console.
 */
describe('cosigner keys and the public-key route', () => {
  const t = useTestApp();
  const publicKey = (provider: string) => t.inject({ method: 'GET', url: `/v1/cosigner/${provider}/public-key` });

  it('loads the keys at boot and logs which response key signs, and nothing of any key', () => {
    const keys = t.app.get(CosignerKeys);
    expect(keys.providers).toEqual(['simulator']);
    const loaded = t.logs.filter((line) => line.msg === 'cosigner keys loaded');
    expect(loaded).toEqual([expect.objectContaining({ context: 'Cosigner', cosigner: { responseKid: 'v1', providers: ['simulator'] } })]);
    const responsePrivate = keys.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const logs = t.rawLogs();
    expect(logs).not.toMatch(/BEGIN|PRIVATE/);
    for (const pem of [responsePrivate, TEST_SIMULATOR_PRIVATE_KEY]) expect(logs).not.toContain(pemBody(pem).slice(0, 48));
  });

  it('answers the public half of the response key, which verifies what the app signs, without a credential', async () => {
    const response = await publicKey('simulator');
    expect(response.statusCode).toBe(200);
    const body = response.json<PublicKeyAnswer>();
    expect(body).toEqual({
      provider: 'simulator',
      kid: 'v1',
      algorithm: 'RS256',
      publicKeyPem: TEST_COSIGNER_RESPONSE_PUBLIC_KEY,
      jwk: { kty: 'RSA', n: expect.stringMatching(/^[A-Za-z0-9_-]{342}$/), e: 'AQAB', kid: 'v1', alg: 'RS256', use: 'sig' },
    });

    const keys = t.app.get(CosignerKeys);
    const answer = signCallbackAnswer(
      { action: 'REJECT', requestId: 'req-1', rejectionReason: 'no_rule_matched' },
      keys.signing.privateKey,
      keys.signing.kid,
    );
    expect(jwt.decode(answer, { complete: true })?.header.kid).toBe(body.kid);
    const expected = { action: 'REJECT', requestId: 'req-1', rejectionReason: 'no_rule_matched' };
    expect(jwt.verify(answer, body.publicKeyPem, { algorithms: ['RS256'] })).toEqual(expected);
    expect(jwt.verify(answer, createPublicKey({ key: body.jwk, format: 'jwk' }), { algorithms: ['RS256'] })).toEqual(expected);
    // What another key signed does not verify with it.
    const forged = jwt.sign(expected, TEST_SIMULATOR_PRIVATE_KEY, { algorithm: 'RS256', keyid: 'v1', noTimestamp: true });
    expect(() => jwt.verify(forged, body.publicKeyPem, { algorithms: ['RS256'] })).toThrow(/invalid signature/);

    const responsePrivate = keys.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(response.body).not.toContain('PRIVATE');
    expect(response.body).not.toContain(pemBody(responsePrivate).slice(0, 48));
    expect(t.rawLogs()).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('is the same 404 for a provider that is not configured, well-formed or not', async () => {
    const names = [
      'acme',
      'Simulator',
      'simulator.pub',
      'sim_ulator',
      `s${'i'.repeat(40)}`,
      '__proto__',
      'constructor',
      '%2E%2E',
      'simulator%20',
    ];
    const details = new Set<unknown>();
    for (const name of names) {
      const body = expectProblem(await publicKey(name), 404, 'NOT_FOUND');
      details.add(body.detail);
    }
    expect([...details]).toEqual(['No such resource.']);
  });

  it('serves a configured provider of the operator, and a rotated response key (the highest, or the one named)', async () => {
    const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [v2, acme] = [pair(), pair()];
    const v2Public = v2.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const secretFiles = {
      'cosigner-response.v2.pem': v2.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'cosigner-acme.pub.v1.pem': acme.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    const rotated = await t.another({ secretFiles, env: { COSIGNER_PROVIDERS: 'acme,simulator' } });
    for (const provider of ['acme', 'simulator']) {
      const response = await rotated.app.inject({ method: 'GET', url: `/v1/cosigner/${provider}/public-key` });
      expect(response.json<PublicKeyAnswer>()).toMatchObject({ provider, kid: 'v2', publicKeyPem: v2Public });
    }
    const pinned = await t.another({ secretFiles, env: { COSIGNER_PROVIDERS: 'acme', COSIGNER_RESPONSE_KEY_VERSION: '1' } });
    const answer = await pinned.app.inject({ method: 'GET', url: '/v1/cosigner/acme/public-key' });
    expect(answer.json<PublicKeyAnswer>()).toMatchObject({ provider: 'acme', kid: 'v1', publicKeyPem: TEST_COSIGNER_RESPONSE_PUBLIC_KEY });
    expectProblem(await pinned.app.inject({ method: 'GET', url: '/v1/cosigner/simulator/public-key' }), 404, 'NOT_FOUND');
  });
});
