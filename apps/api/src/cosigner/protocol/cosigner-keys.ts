import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys, rsaKeyParser } from '@ringfence/crypto';
import { createPublicKey, KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { ProviderKey } from './callback-token';

/** A provider's name as it appears in the route (`/v1/cosigner/:provider`) and in its key files. */
export const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The cosigner's key material, from the host secrets directory:
 * - our response keys, `cosigner-response.vN.pem` (RSA private, ≥ 2048 bits): the active
 *   version signs every answer, and its `kid` is `v<N>`;
 * - each provider's co-signer keys, `cosigner-<provider>.pub.vN.pem` (RSA public): every
 *   version present verifies, so a provider's rotation is a file added, then one removed.
 */
interface ResponseKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** The public half of our active response key, as a provider's console takes it. */
export interface ResponsePublicKey {
  /** `v<N>`: the `kid` header of every answer it signs. */
  readonly kid: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly pem: string;
  /** The same key as a JWK (RFC 7517). */
  readonly jwk: {
    readonly kty: 'RSA';
    readonly n: string;
    readonly e: string;
    readonly kid: string;
    readonly alg: 'RS256';
    readonly use: 'sig';
  };
}

export class CosignerKeys {
  readonly #signing: ResponseKey;
  readonly #providers: ReadonlyMap<string, readonly ProviderKey[]>;
  readonly #responsePublicKey: ResponsePublicKey;

  private constructor(signing: ResponseKey, providers: Map<string, ProviderKey[]>) {
    this.#signing = signing;
    this.#providers = providers;
    const { n, e } = signing.publicKey.export({ format: 'jwk' });
    this.#responsePublicKey = Object.freeze({
      kid: signing.kid,
      pem: signing.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      jwk: Object.freeze({ kty: 'RSA', n: n!, e: e!, kid: signing.kid, alg: 'RS256', use: 'sig' } as const),
    });
  }

  static load(directory: KeyMaterialDirectory, providers: readonly string[], activeVersion?: number): CosignerKeys {
    const { keys, active } = loadVersionedKeys(
      directory,
      { stem: 'cosigner-response', extension: 'pem', what: 'cosigner response key' },
      rsaKeyParser('private'),
      activeVersion,
    );
    const privateKey = keys.get(active)!;
    const providerKeys = new Map<string, ProviderKey[]>();
    for (const provider of providers) {
      if (!PROVIDER_NAME.test(provider))
        throw new KeyMaterialError(`cosigner-${provider}.pub.v1.pem`, 'the provider name is not lower-case letters, digits and dashes');
      const versions = loadVersionedKeys(
        directory,
        { stem: `cosigner-${provider}.pub`, extension: 'pem', what: `${provider} co-signer public key` },
        rsaKeyParser('public'),
      );
      providerKeys.set(
        provider,
        [...versions.keys].sort(([a], [b]) => b - a).map(([version, publicKey]) => ({ kid: `v${version}`, publicKey })),
      );
    }
    return new CosignerKeys({ kid: `v${active}`, privateKey, publicKey: createPublicKey(privateKey) }, providerKeys);
  }

  /** The keys a provider's callbacks verify with; none for a provider we do not know. */
  providerKeys(provider: string): readonly ProviderKey[] {
    return this.#providers.get(provider) ?? [];
  }

  get providers(): string[] {
    return [...this.#providers.keys()];
  }

  /** @internal for the answer signer only */
  get signing(): { readonly kid: string; readonly privateKey: KeyObject } {
    return { kid: this.#signing.kid, privateKey: this.#signing.privateKey };
  }

  /** What a provider's console is given to verify our answers: the active response key's public half. */
  get responsePublicKey(): ResponsePublicKey {
    return this.#responsePublicKey;
  }

  toJSON(): { responseKid: string; providers: string[] } {
    return { responseKid: this.#signing.kid, providers: this.providers };
  }

  [inspect.custom](): string {
    return `CosignerKeys { response: ${this.#signing.kid}, providers: [${this.providers.join(', ')}] }`;
  }
}
