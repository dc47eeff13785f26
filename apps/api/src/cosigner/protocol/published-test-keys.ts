import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyMaterialError } from '@ringfence/crypto';
import type { CosignerKeys } from './cosigner-keys';

/**
 * SHA-256 of the SubjectPublicKeyInfo of the co-signer keys published as test vectors in
 * the cosigner's conformance page ("TEST VECTORS ONLY, never deploy"): anyone can sign with them.
 */
const PUBLISHED_TEST_KEYS: ReadonlyMap<string, string> = new Map([
  ['d72bfa8ba0410efc75438d653b082089577397eb37ec3962168b98a570506a3e', 'the conformance vectors’ provider key'],
  ['d0ec41f6232b53fccaf166bbb9fbc33b5a106ae9f5d0c6f73edc4629f53b425f', 'the conformance vectors’ response key'],
]);

function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Production refuses to start with a published test key as our response key or as a
 * provider's key: its private half is in the repository, so anyone could sign our answers or
 * a provider's callbacks. Named by file, never by key material.
 */
export function refusePublishedTestKeys(keys: CosignerKeys): void {
  const response = PUBLISHED_TEST_KEYS.get(fingerprintOf(createPublicKey(keys.responsePublicKey.pem)));
  if (response) {
    throw new KeyMaterialError(
      `cosigner-response.${keys.responsePublicKey.kid}.pem`,
      `is ${response}, published with the conformance test vectors: never deploy it`,
    );
  }
  for (const provider of keys.providers) {
    for (const { kid, publicKey } of keys.providerKeys(provider)) {
      const published = PUBLISHED_TEST_KEYS.get(fingerprintOf(publicKey));
      if (published) {
        throw new KeyMaterialError(
          `cosigner-${provider}.pub.${kid}.pem`,
          `is ${published}, published with the conformance test vectors: never deploy it`,
        );
      }
    }
  }
}
