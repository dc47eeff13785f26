import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys, rsaKeyParser } from '@ringfence/crypto';
import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { parseWebhookSecret, WebhookSecretError } from '../../webhooks/signing/standard-webhooks';
import type { InboundProvider } from '../cosigner.options';
import { PROVIDER_NAME } from '../protocol/cosigner-keys';

/** What verifies one provider's webhooks: its public keys (Fireblocks' scheme) or its `whsec_` secrets (Standard Webhooks). */
export type InboundVerifier =
  | { readonly scheme: 'fireblocks'; readonly versions: readonly number[]; readonly publicKeys: readonly KeyObject[] }
  | { readonly scheme: 'standard'; readonly versions: readonly number[]; readonly secrets: readonly string[] };

/**
 * The key material of the providers' inbound webhooks, read at boot from the secrets
 * directory with the other keys (a missing or malformed file stops the boot, naming it):
 * - `fireblocks` scheme: `webhook-<provider>.pub.vN.pem`, the provider's webhook public key
 *   (RSA, ≥ 2048 bits); every version present verifies (a rotation is a file added, then one
 *   removed);
 * - `standard` scheme: `webhook-<provider>.secret.vN.key`, a `whsec_` secret each; every
 *   version present verifies.
 * It shows only providers, schemes and versions (toJSON, inspect): never a key or a secret.
 */
export class InboundKeys {
  readonly #verifiers: ReadonlyMap<string, InboundVerifier>;

  private constructor(verifiers: Map<string, InboundVerifier>) {
    this.#verifiers = verifiers;
  }

  static load(directory: KeyMaterialDirectory, providers: readonly InboundProvider[]): InboundKeys {
    const verifiers = new Map<string, InboundVerifier>();
    for (const { provider, scheme } of providers) {
      if (!PROVIDER_NAME.test(provider))
        throw new KeyMaterialError(`webhook-${provider}`, 'the provider name is not lower-case letters, digits and dashes');
      if (scheme === 'fireblocks') {
        const { keys } = loadVersionedKeys(
          directory,
          { stem: `webhook-${provider}.pub`, extension: 'pem', what: `${provider} webhook public key` },
          rsaKeyParser('public'),
        );
        const versions = [...keys.keys()].sort((a, b) => b - a);
        verifiers.set(provider, { scheme, versions, publicKeys: versions.map((version) => keys.get(version)!) });
      } else {
        const { keys } = loadVersionedKeys(
          directory,
          { stem: `webhook-${provider}.secret`, extension: 'key', what: `${provider} webhook secret` },
          parseSecretFile,
        );
        const versions = [...keys.keys()].sort((a, b) => b - a);
        verifiers.set(provider, { scheme, versions, secrets: versions.map((version) => keys.get(version)!) });
      }
    }
    return new InboundKeys(verifiers);
  }

  /** What verifies `provider`'s webhooks; nothing for a provider whose events are not configured. */
  verifierOf(provider: string): InboundVerifier | undefined {
    return this.#verifiers.get(provider);
  }

  toJSON(): { provider: string; scheme: string; versions: number[] }[] {
    return [...this.#verifiers].map(([provider, { scheme, versions }]) => ({ provider, scheme, versions: [...versions] }));
  }

  [inspect.custom](): string {
    return `InboundKeys { ${this.toJSON()
      .map(({ provider, scheme, versions }) => `${provider}: ${scheme} v${versions.join(',v')}`)
      .join('; ')} }`;
  }
}

/** A `whsec_` secret file: the secret on one line; errors name the file, never its content. */
function parseSecretFile(name: string, content: Buffer): string {
  const text = content.toString('utf8').trim();
  try {
    parseWebhookSecret(text);
  } catch (error) {
    if (error instanceof WebhookSecretError)
      throw new KeyMaterialError(name, 'is not a whsec_ secret (whsec_ and the base64 of 24 to 64 bytes)');
    throw error;
  }
  return text;
}
