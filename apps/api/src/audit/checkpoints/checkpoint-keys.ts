import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys } from '@ringfence/crypto';
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { inspect } from 'node:util';

/** The key file family: `audit-checkpoint.vN.pem` (Ed25519, PKCS#8 PEM) in the secrets directory. */
export const CHECKPOINT_KEY_FILES = { stem: 'audit-checkpoint', extension: 'pem', what: 'audit checkpoint signing key' } as const;
/** A retired version's public half alone, `audit-checkpoint.pub.vN.pem` (SPKI PEM): it verifies and is published, never signs. */
const PUBLIC_HALF = /^audit-checkpoint\.pub\.v([1-9][0-9]{0,8})\.pem$/;

/**
 * The audit checkpoint signing keys (Ed25519), read through the key loader as
 * `audit-checkpoint.vN.pem`. The active version (AUDIT_CHECKPOINT_KEY_VERSION, else the
 * highest private key, which must be the highest version known: a public half newer than every
 * private key is a rollback, refused unless the version is named) signs; every version present verifies and is published, so checkpoints signed
 * under v1 still verify after v2 becomes active. A retired version keeps verifying from its
 * public half alone, `audit-checkpoint.pub.vN.pem`, once its private key is destroyed; a public
 * half beside its private key must be that key's.
 */
export class CheckpointKeys {
  readonly #active: { version: number; privateKey: KeyObject };
  readonly #publicKeys: ReadonlyMap<number, KeyObject>;

  private constructor(active: { version: number; privateKey: KeyObject }, publicKeys: Map<number, KeyObject>) {
    this.#active = active;
    this.#publicKeys = publicKeys;
  }

  static load(directory: KeyMaterialDirectory, activeVersion?: number): CheckpointKeys {
    const { keys, active } = loadVersionedKeys(directory, CHECKPOINT_KEY_FILES, parseCheckpointKey, activeVersion);
    const publicKeys = new Map<number, KeyObject>();
    for (const [version, privateKey] of keys) publicKeys.set(version, createPublicKey(privateKey));
    for (const name of directory.list()) {
      const version = Number(PUBLIC_HALF.exec(name)?.[1] ?? 0);
      if (version === 0) continue;
      const publicKey = parsePublicHalf(name, directory.read(name));
      const own = publicKeys.get(version);
      if (own && !own.equals(publicKey)) throw new KeyMaterialError(name, `is not the public half of audit-checkpoint.v${version}.pem`);
      publicKeys.set(version, publicKey);
    }
    const sorted = new Map([...publicKeys].sort(([a], [b]) => a - b));
    // A rollback: a newer version is known (its key, or its public half once retired) and an
    // older private key would sign by default. Only a version named on purpose may.
    const highest = Math.max(...sorted.keys());
    if (activeVersion === undefined && active < highest) {
      throw new KeyMaterialError(
        `audit-checkpoint.pub.v${highest}.pem`,
        `version ${highest} is known but the newest signing key is audit-checkpoint.v${active}.pem: an older key would sign (a rollback), refused; ` +
          `provision audit-checkpoint.v${highest + 1}.pem, or set AUDIT_CHECKPOINT_KEY_VERSION=${active} to sign with v${active} on purpose`,
      );
    }
    return new CheckpointKeys({ version: active, privateKey: keys.get(active)! }, sorted);
  }

  get activeVersion(): number {
    return this.#active.version;
  }

  /** Ed25519 over `payload` with the active key. */
  sign(payload: Buffer): { keyVersion: number; signature: Buffer } {
    return { keyVersion: this.#active.version, signature: sign(null, payload, this.#active.privateKey) };
  }

  /** Every version's public key, SPKI PEM, lowest version first: what an auditor verifies with. */
  publicKeyPems(): { version: number; publicKey: string }[] {
    return [...this.#publicKeys].map(([version, key]) => ({ version, publicKey: key.export({ type: 'spki', format: 'pem' }).toString() }));
  }

  publicKeys(): ReadonlyMap<number, KeyObject> {
    return this.#publicKeys;
  }

  toJSON(): { activeVersion: number; versions: number[] } {
    return { activeVersion: this.activeVersion, versions: [...this.#publicKeys.keys()] };
  }

  [inspect.custom](): string {
    return `CheckpointKeys { active: v${this.activeVersion}, versions: [${[...this.#publicKeys.keys()].join(', ')}] }`;
  }
}

/** Whether `signature` is Ed25519 by `publicKey` over `payload`. */
export function verifyEd25519(publicKey: KeyObject, payload: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, payload, publicKey, signature);
  } catch {
    return false;
  }
}

function parseCheckpointKey(name: string, content: Buffer): KeyObject {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(content);
  } catch {
    throw new KeyMaterialError(name, 'is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyMaterialError(name, 'must be an Ed25519 private key');
  return privateKey;
}

function parsePublicHalf(name: string, content: Buffer): KeyObject {
  // Node derives a public key from a private one: a private key here is refused, not used.
  const text = content.toString('utf8');
  if (text.includes('PRIVATE KEY') || !text.includes('-----BEGIN PUBLIC KEY-----'))
    throw new KeyMaterialError(name, 'must hold a public key only (SPKI PEM), never a private one');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: content, format: 'pem', type: 'spki' });
  } catch {
    throw new KeyMaterialError(name, 'is not a PEM public key');
  }
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519')
    throw new KeyMaterialError(name, 'must be an Ed25519 public key');
  return publicKey;
}
