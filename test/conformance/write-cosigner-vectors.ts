/**
 * Fills the token blocks of docs/conformance/cosigner.md from what is written by hand there:
 * the keys (generated once, when their `private` blocks are empty), the policy, the time of
 * the decision, each vector's request payload and expected decision, each refused token's
 * expected reason. It signs every request payload with the provider test key, answers it
 * through the code under test, and refuses to write when the code's decision or refusal is
 * not the one the page expects. Run: `npm run conformance:write`, then review the diff.
 * The page is what the spec reads (apps/api/src/cosigner/conformance.spec.ts); this only writes it.
 */
import jwt from 'jsonwebtoken';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { validatePolicy } from '../../apps/api/src/cosigner/policy/policy-document';
import { verifyCallbackToken } from '../../apps/api/src/cosigner/protocol/callback-token';
import {
  answerCallback,
  compactJws,
  ConformanceKeys,
  COSIGNER_CONFORMANCE_DOC,
  segmentText,
  vectorSections,
  VectorSection,
  withBlock,
} from '../support/cosigner-conformance';

/** The vector every refused token is made from: a valid request, then broken one way. */
const BASE_VECTOR = 'approve-single';
const PROVIDER_KID = 'v1';
const RESPONSE_KID = 'v1';

interface Material {
  readonly providerPrivate: KeyObject;
  readonly providerPublicPem: string;
  readonly responsePrivate: KeyObject;
  readonly responsePublic: KeyObject;
}

const rs256 = (key: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), key);

/** How each refused token is made from the base request; the page's id names the recipe. */
const REFUSED: Record<string, (base: string, keys: Material) => string> = {
  'alg-none': (base) => compactJws({ alg: 'none', typ: 'JWT' }, base.split('.')[1]!),
  'alg-none-signed': (base) => `${compactJws({ alg: 'none', typ: 'JWT' }, base.split('.')[1]!)}${base.split('.')[2]!}`,
  'hs256-public-key': (base, keys) =>
    compactJws({ alg: 'HS256', typ: 'JWT' }, base.split('.')[1]!, (input) =>
      createHmac('sha256', keys.providerPublicPem).update(input).digest(),
    ),
  'jwk-header': (base, keys) =>
    compactJws(
      { alg: 'RS256', typ: 'JWT', jwk: keys.responsePublic.export({ format: 'jwk' }) },
      base.split('.')[1]!,
      rs256(keys.responsePrivate),
    ),
  'unknown-kid': (base, keys) => compactJws({ alg: 'RS256', typ: 'JWT', kid: 'v9' }, base.split('.')[1]!, rs256(keys.providerPrivate)),
  'wrong-key': (base, keys) => compactJws({ alg: 'RS256', typ: 'JWT' }, base.split('.')[1]!, rs256(keys.responsePrivate)),
  'edited-payload': (base) => {
    const [header, payload, signature] = base.split('.') as [string, string, string];
    const edited = Buffer.from(Buffer.from(payload, 'base64url').toString('utf8').replace('"amountStr":"1.5"', '"amountStr":"1500"'));
    if (edited.toString('base64url') === payload) throw new Error(`${BASE_VECTOR} has no "amountStr":"1.5" to edit`);
    return `${header}.${edited.toString('base64url')}.${signature}`;
  },
  'truncated-signature': (base) => base.slice(0, -4),
  expired: (base, keys) =>
    compactJws(
      { alg: 'RS256', typ: 'JWT' },
      Buffer.from(JSON.stringify({ ...JSON.parse(segmentText(base, 1)), exp: 1_700_000_000 })).toString('base64url'),
      rs256(keys.providerPrivate),
    ),
};

let page = readFileSync(COSIGNER_CONFORMANCE_DOC, 'utf8');
const section = (id: string): VectorSection => {
  const found = vectorSections(page).find((candidate) => candidate.id === id);
  if (!found) throw new Error(`the page has no section "${id}"`);
  return found;
};
const block = (id: string, label: string): string => {
  const found = section(id).blocks.get(label);
  if (!found) throw new Error(`"${id}" has no block "${label}"`);
  return found.text;
};
const write = (id: string, label: string, text: string): void => {
  const found = section(id).blocks.get(label);
  if (!found) throw new Error(`"${id}" has no block "${label}"`);
  page = withBlock(page, found, text);
};

/** A key pair from its `private` block, generated into it when the block is empty; its `public` block follows. */
function keyPair(id: string): { privateKey: KeyObject; publicKey: KeyObject; publicPem: string } {
  if (block(id, 'private').trim() === '') {
    const generated = generateKeyPairSync('rsa', { modulusLength: 2048 });
    write(id, 'private', generated.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd());
  }
  const privateKey = createPrivateKey(block(id, 'private'));
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  write(id, 'public', publicPem.trimEnd());
  return { privateKey, publicKey, publicPem };
}

const provider = keyPair('provider-key');
const response = keyPair('response-key');
const material: Material = {
  providerPrivate: provider.privateKey,
  providerPublicPem: provider.publicPem,
  responsePrivate: response.privateKey,
  responsePublic: response.publicKey,
};
const keys: ConformanceKeys = {
  provider: [{ kid: PROVIDER_KID, publicKey: provider.publicKey }],
  response: { kid: RESPONSE_KID, privateKey: response.privateKey },
};
const validated = validatePolicy(JSON.parse(block('policy', 'policy')));
if (validated.errors) throw new Error(`the policy does not validate: ${JSON.stringify(validated.errors)}`);
const at = new Date(block('decision-time', 'at'));

for (const vector of vectorSections(page).filter(({ group }) => group === 'Vectors')) {
  const request = jwt.sign(JSON.parse(block(vector.id, 'request-payload')), provider.privateKey, { algorithm: 'RS256', noTimestamp: true });
  const outcome = answerCallback(request, keys, validated.document, at);
  if ('refused' in outcome) throw new Error(`${vector.id}: refused (${outcome.refused})`);
  const expected: unknown = JSON.parse(block(vector.id, 'decision'));
  if (!isDeepStrictEqual(outcome.decision, expected))
    throw new Error(`${vector.id}: the code decides ${JSON.stringify(outcome.decision)}, the page expects ${JSON.stringify(expected)}`);
  write(vector.id, 'request', request);
  write(vector.id, 'answer-payload', segmentText(outcome.answer, 1));
  write(vector.id, 'answer', outcome.answer);
  write('response-key', 'answer-header', segmentText(outcome.answer, 0));
}

const base = block(BASE_VECTOR, 'request');
for (const refused of vectorSections(page).filter(({ group }) => group === 'Refused tokens')) {
  const recipe = REFUSED[refused.id];
  if (!recipe) throw new Error(`no recipe for the refused token "${refused.id}"`);
  const token = recipe(base, material);
  const result = verifyCallbackToken(token, keys.provider);
  const expected = block(refused.id, 'refusal');
  if (!('refused' in result) || result.refused !== expected)
    throw new Error(`${refused.id}: the verifier answers ${JSON.stringify(result)}, the page expects refused: ${expected}`);
  write(refused.id, 'token', token);
}

writeFileSync(COSIGNER_CONFORMANCE_DOC, page);
process.stdout.write(`wrote ${COSIGNER_CONFORMANCE_DOC}\n`);
