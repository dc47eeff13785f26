import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys } from '@ringfence/crypto';
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

export interface VerificationKey {
  readonly kid: string;
  readonly version: number;
  readonly publicKey: KeyObject;
}

/**
 * The access-token signing keys (ES256, P-256), read from the host secrets directory
 * as `jwt-signing.vN.pem`. The active version signs; every version present verifies, so
 * rotating (add v2, make it active) keeps v1's tokens valid until they expire, and v1's
 * file can be removed after the access-token lifetime.
 */
export class SigningKeys {
  readonly #active: { kid: string; privateKey: KeyObject };
  readonly #byKid: ReadonlyMap<string, VerificationKey>;

  private constructor(active: { kid: string; privateKey: KeyObject }, byKid: Map<string, VerificationKey>) {
    this.#active = active;
    this.#byKid = byKid;
  }

  static load(directory: KeyMaterialDirectory, activeVersion?: number): SigningKeys {
    const { keys, active } = loadVersionedKeys(
      directory,
      { stem: 'jwt-signing', extension: 'pem', what: 'access-token signing key' },
      parseSigningKey,
      activeVersion,
    );
    const activeKey = keys.get(active)!;
    const byKid = new Map<string, VerificationKey>();
    let activeKid = '';
    for (const [version, privateKey] of keys) {
      const publicKey = createPublicKey(privateKey);
      const kid = keyId(publicKey);
      byKid.set(kid, { kid, version, publicKey });
      if (version === active) activeKid = kid;
    }
    return new SigningKeys({ kid: activeKid, privateKey: activeKey }, byKid);
  }

  get activeKid(): string {
    return this.#active.kid;
  }

  /** @internal for the token issuer only */
  get activePrivateKey(): KeyObject {
    return this.#active.privateKey;
  }

  verificationKey(kid: string): VerificationKey | undefined {
    return this.#byKid.get(kid);
  }

  get kids(): string[] {
    return [...this.#byKid.keys()];
  }

  toJSON(): { activeKid: string; kids: string[] } {
    return { activeKid: this.activeKid, kids: this.kids };
  }

  [inspect.custom](): string {
    return `SigningKeys { active: ${this.activeKid}, kids: [${this.kids.join(', ')}] }`;
  }
}

function parseSigningKey(name: string, content: Buffer): KeyObject {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(content);
  } catch {
    throw new KeyMaterialError(name, 'is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new KeyMaterialError(name, 'must be an EC P-256 private key (ES256)');
  }
  return privateKey;
}

/** A key id from the public key itself (SHA-256 of its SPKI), so two deployments never collide. */
function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 16);
}
