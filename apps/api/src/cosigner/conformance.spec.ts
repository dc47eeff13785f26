import { KeyMaterialDirectory } from '@ringfence/crypto';
import jwt from 'jsonwebtoken';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  answerCallback,
  ConformanceKeys,
  COSIGNER_CONFORMANCE_DOC,
  segmentText,
  vectorSections,
  withBlock,
} from '../../../../test/support/cosigner-conformance';
import { validatePolicy } from './policy/policy-document';
import { verifyCallbackToken } from './protocol/callback-token';
import { CosignerKeys } from './protocol/cosigner-keys';
import { refusePublishedTestKeys } from './protocol/published-test-keys';

const ROOT = join(__dirname, '..', '..', '..', '..');
const page = readFileSync(COSIGNER_CONFORMANCE_DOC, 'utf8');
const sections = vectorSections(page);
const block = (id: string, label: string): string => {
  const text = sections.find((section) => section.id === id)?.blocks.get(label)?.text;
  if (text === undefined) throw new Error(`docs/conformance/cosigner.md: "${id}" has no block "${label}"`);
  return text;
};
const vectors = sections.filter(({ group }) => group === 'Vectors').map(({ id }) => id);
const refused = sections.filter(({ group }) => group === 'Refused tokens').map(({ id }) => id);

const json = (text: string): unknown => JSON.parse(text);
const publicKeyOf = (id: string): KeyObject => createPublicKey(block(id, 'public'));
const parts = (token: string) => token.split('.') as [string, string, string];
/** Whether `token`'s RS256 signature holds under `key`, read without any library's opinion of its header. */
const signedBy = (token: string, key: KeyObject): boolean => {
  const [header, payload, signature] = parts(token);
  return verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
};

describe('the cosigner conformance vectors (docs/conformance/cosigner.md), reproduced by the code', () => {
  const at = new Date(block('decision-time', 'at'));
  const validated = validatePolicy(json(block('policy', 'policy')));
  let secrets: string;
  let keys: ConformanceKeys;
  let loaded: CosignerKeys;

  // The keys as the app loads them (file names, versions, kids), from a directory only this spec reads.
  beforeAll(() => {
    secrets = mkdtempSync(join(tmpdir(), 'rf-conformance-'));
    writeFileSync(join(secrets, 'cosigner-response.v1.pem'), `${block('response-key', 'private')}\n`, { mode: 0o600 });
    writeFileSync(join(secrets, 'cosigner-conformance.pub.v1.pem'), `${block('provider-key', 'public')}\n`, { mode: 0o600 });
    loaded = CosignerKeys.load(new KeyMaterialDirectory(secrets), ['conformance']);
    keys = { provider: loaded.providerKeys('conformance'), response: loaded.signing };
    const published = `${block('response-key', 'public')}\n`;
    const jwk = { ...createPublicKey(published).export({ format: 'jwk' }), kid: 'v1', alg: 'RS256', use: 'sig' };
    expect(loaded.responsePublicKey).toEqual({ kid: 'v1', pem: published, jwk });
  });
  afterAll(() => rmSync(secrets, { recursive: true, force: true }));

  it('publishes two distinct RSA-2048 key pairs labelled test-only, each public half that of its private half', () => {
    for (const id of ['provider-key', 'response-key']) {
      expect(sections.find((section) => section.id === id)?.title).toContain('TEST VECTORS ONLY');
      const privateKey = createPrivateKey(block(id, 'private'));
      expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(`${block(id, 'public')}\n`);
    }
    expect(block('provider-key', 'public')).not.toBe(block('response-key', 'public'));
  });

  it('has both keys refused in production, by the file that holds them, and fresh keys accepted', () => {
    expect(() => refusePublishedTestKeys(loaded)).toThrow(/"cosigner-response\.v1\.pem": is the conformance vectors’ response key/);
    const fresh = mkdtempSync(join(tmpdir(), 'rf-conformance-fresh-'));
    try {
      const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => `${key.export({ type, format: 'pem' }).toString().trim()}\n`;
      const response = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(join(fresh, 'cosigner-response.v1.pem'), pem(response.privateKey, 'pkcs8'), { mode: 0o600 });
      writeFileSync(join(fresh, 'cosigner-conformance.pub.v1.pem'), `${block('provider-key', 'public')}\n`, { mode: 0o600 });
      const withPublishedProvider = CosignerKeys.load(new KeyMaterialDirectory(fresh), ['conformance']);
      expect(() => refusePublishedTestKeys(withPublishedProvider)).toThrow(
        /"cosigner-conformance\.pub\.v1\.pem": is the conformance vectors’ provider key/,
      );
      writeFileSync(
        join(fresh, 'cosigner-conformance.pub.v1.pem'),
        pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'spki'),
        {
          mode: 0o600,
        },
      );
      expect(() => refusePublishedTestKeys(CosignerKeys.load(new KeyMaterialDirectory(fresh), ['conformance']))).not.toThrow();
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('fixes a validated policy and an exact time of decision', () => {
    expect(validated.errors).toBeUndefined();
    expect(at.toISOString()).toBe(block('decision-time', 'at'));
  });

  it('covers every case it promises, each with all its blocks', () => {
    expect(vectors).toEqual(
      expect.arrayContaining([
        'approve-single',
        'cap-per-transaction',
        'destination-not-listed',
        'destination-blocked',
        'no-rule-matched',
        'amount-malformed',
        'amount-contradicted',
        'missing-asset',
        'evm-address-case',
        'multi-destination',
      ]),
    );
    expect(refused).toEqual(
      expect.arrayContaining([
        'alg-none',
        'hs256-public-key',
        'jwk-header',
        'unknown-kid',
        'wrong-key',
        'edited-payload',
        'truncated-signature',
      ]),
    );
    for (const id of vectors) for (const label of ['request', 'request-payload', 'decision', 'answer-payload', 'answer']) block(id, label);
    for (const id of refused) for (const label of ['token', 'refusal']) block(id, label);
  });

  it.each(vectors)('%s: the request verifies, is decided as published, and is answered with the published bytes', (id) => {
    if (validated.errors) throw new Error('the policy does not validate');
    const request = block(id, 'request');
    const answer = block(id, 'answer');
    expect(answerCallback(request, keys, validated.document, at)).toEqual({
      payload: json(block(id, 'request-payload')),
      decision: json(block(id, 'decision')),
      answer,
    });
    // The exact texts the page tells a provider to sign and an integrator to expect.
    expect(segmentText(request, 0)).toBe('{"alg":"RS256","typ":"JWT"}');
    expect(segmentText(request, 1)).toBe(JSON.stringify(json(block(id, 'request-payload'))));
    expect(segmentText(answer, 0)).toBe(block('response-key', 'answer-header'));
    expect(segmentText(answer, 1)).toBe(block(id, 'answer-payload'));
    // Anyone holding the published response public key verifies the answer.
    expect(jwt.verify(answer, publicKeyOf('response-key'), { algorithms: ['RS256'], complete: true })).toMatchObject({
      header: json(block('response-key', 'answer-header')),
      payload: json(block(id, 'answer-payload')),
    });
  });

  it('shows what its titles say: a listed EVM address in another case, several destinations', () => {
    const listed = '0x52908400098527886E0F7030069857D2E4169EE7';
    expect(block('policy', 'policy')).toContain(`"${listed}"`);
    expect(json(block('evm-address-case', 'request-payload'))).toMatchObject({ destAddress: listed.toLowerCase() });
    for (const id of ['multi-destination', 'multi-destination-blocked', 'amount-contradicted'])
      expect((json(block(id, 'request-payload')) as { destinations: unknown[] }).destinations.length).toBeGreaterThan(1);
  });

  it.each(refused)('%s: refused with the published reason', (id) => {
    expect(verifyCallbackToken(block(id, 'token'), keys.provider)).toEqual({ refused: block(id, 'refusal') });
  });

  it.each(refused)('%s: is the attack its title names, made from approve-single', (id) => {
    const base = block('approve-single', 'request');
    const [baseHeader, basePayload, baseSignature] = parts(base);
    const token = block(id, 'token');
    const [header, payload, signature] = parts(token);
    const provider = publicKeyOf('provider-key');
    const response = publicKeyOf('response-key');
    const headerOf = () => json(segmentText(token, 0)) as Record<string, unknown>;
    const claims: Record<string, () => void> = {
      'alg-none': () => expect([headerOf(), payload, signature]).toEqual([{ alg: 'none', typ: 'JWT' }, basePayload, '']),
      'alg-none-signed': () => expect([headerOf(), payload, signature]).toEqual([{ alg: 'none', typ: 'JWT' }, basePayload, baseSignature]),
      'hs256-public-key': () => {
        const hmac = createHmac('sha256', `${block('provider-key', 'public')}\n`).update(`${header}.${payload}`);
        expect([headerOf(), payload, signature]).toEqual([{ alg: 'HS256', typ: 'JWT' }, basePayload, hmac.digest('base64url')]);
      },
      'jwk-header': () => {
        expect(headerOf()).toEqual({ alg: 'RS256', typ: 'JWT', jwk: response.export({ format: 'jwk' }) });
        expect([payload, signedBy(token, response)]).toEqual([basePayload, true]);
      },
      'unknown-kid': () => {
        expect(headerOf()).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'v9' });
        expect([payload, signedBy(token, provider)]).toEqual([basePayload, true]);
      },
      'wrong-key': () =>
        expect([header, payload, signedBy(token, provider), signedBy(token, response)]).toEqual([baseHeader, basePayload, false, true]),
      'edited-payload': () => {
        expect([header, signature]).toEqual([baseHeader, baseSignature]);
        expect(json(segmentText(token, 1))).toEqual({ ...(json(segmentText(base, 1)) as object), amountStr: '1500' });
      },
      'truncated-signature': () => expect(`${token}${base.slice(-4)}`).toBe(base),
      expired: () => {
        expect([header, signedBy(token, provider)]).toEqual([baseHeader, true]);
        expect(json(segmentText(token, 1))).toEqual({ ...(json(segmentText(base, 1)) as object), exp: 1_700_000_000 });
      },
    };
    const claim = claims[id];
    if (!claim) throw new Error(`the spec knows no refused token "${id}": say here what it is`);
    claim();
  });

  it('is read by the app nowhere, and its private keys appear nowhere else in the repository', () => {
    // Lines from the middle of each private key: a copy of the key anywhere carries them.
    const fingerprints = ['provider-key', 'response-key'].map((id) => block(id, 'private').split('\n')[10]!);
    const files = repositoryFiles().filter((file) => file !== relative(ROOT, COSIGNER_CONFORMANCE_DOC));
    expect(files).toContain('apps/api/src/cosigner/protocol/callback-token.ts');
    expect(files).toContain('docker-compose.yml');
    const copies = files.filter((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      return fingerprints.some((line) => text.includes(line));
    });
    expect(copies).toEqual([]);
    const appFiles = files.filter((file) => /^(apps|libs)\/.*\.ts$/.test(file) && !file.endsWith('.spec.ts'));
    expect(appFiles.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes('docs/conformance'))).toEqual([]);
  });
});

describe('the page convention the conformance spec reads', () => {
  const markdown = ['## Vectors', '### `one` — a vector', '```jwt token', 'a.b.c', '```', '```sh', 'prose', '```', '### Notes', ''].join(
    '\n',
  );

  it('reads labelled blocks into their section and group, ignores unlabelled ones, and rewrites one in place', () => {
    const [section, ...others] = vectorSections(markdown);
    expect(others).toEqual([]);
    expect(section).toMatchObject({ id: 'one', title: 'a vector', group: 'Vectors' });
    expect([...section!.blocks.keys()]).toEqual(['token']);
    expect(section!.blocks.get('token')?.text).toBe('a.b.c');
    const rewritten = withBlock(markdown, section!.blocks.get('token')!, 'x.y.z\nsecond line');
    expect(vectorSections(rewritten)[0]!.blocks.get('token')?.text).toBe('x.y.z\nsecond line');
  });

  it.each([
    ['a label twice', markdown.replace('```sh', '```jwt token')],
    ['a labelled block outside a section', markdown.replace('### `one` — a vector', '### one, a vector')],
    ['a malformed section heading', markdown.replace('### `one` — a vector', '### `one`: a vector')],
    ['an id twice', `${markdown}\n### \`one\` — again\n`],
    ['an unclosed fence', `${markdown}\n\`\`\`jwt other\n`],
    ['an info string of three words', markdown.replace('```jwt token', '```jwt token extra')],
  ])('refuses %s', (_, text) => {
    expect(() => vectorSections(text)).toThrow();
  });
});

/** The files of the repository's own trees (sources, docs, Docker and config), never dependencies or build output. */
function repositoryFiles(): string[] {
  const skipped = new Set(['node_modules', 'dist', 'coverage', '.data', '.git']);
  const walk = (directory: string): string[] =>
    readdirSync(join(ROOT, directory), { withFileTypes: true }).flatMap((entry) => {
      const path = directory ? `${directory}/${entry.name}` : entry.name;
      if (skipped.has(entry.name) || entry.isSymbolicLink()) return [];
      if (entry.isDirectory()) return walk(path);
      return entry.isFile() && statSync(join(ROOT, path)).size < 1024 * 1024 ? [path] : [];
    });
  return walk('');
}
