import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyMaterialDirectory, KeyMaterialError } from '@ringfence/crypto';

const SIGNING_KEY_NAME = /^jwt-signing\.v([1-9][0-9]{0,8})\.pem$/;

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
    const keys = new Map<number, KeyObject>();
    for (const name of directory.list()) {
      const match = SIGNING_KEY_NAME.exec(name);
      if (!match?.[1]) continue;
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey(directory.read(name));
      } catch (error) {
        if (error instanceof KeyMaterialError) throw error;
        throw new KeyMaterialError(name, 'is not a PEM private key');
      }
      if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new KeyMaterialError(name, 'must be an EC P-256 private key (ES256)');
      }
      keys.set(Number(match[1]), privateKey);
    }
    if (keys.size === 0) {
      throw new KeyMaterialError('jwt-signing.v1.pem', 'no access-token signing key (jwt-signing.vN.pem) in the secrets directory');
    }
    const active = activeVersion ?? Math.max(...keys.keys());
    const activeKey = keys.get(active);
    if (!activeKey) throw new KeyMaterialError(`jwt-signing.v${active}.pem`, 'the active signing key version is missing');
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

/** A key id from the public key itself (SHA-256 of its SPKI), so two deployments never collide. */
function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
}
