import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys } from '@ringfence/crypto';
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { inspect } from 'node:util';

/** The key file family: `audit-checkpoint.vN.pem` (Ed25519, PKCS#8 PEM) in the secrets directory. */
export const CHECKPOINT_KEY_FILES = { stem: 'audit-checkpoint', extension: 'pem', what: 'audit checkpoint signing key' } as const;

/**
 * The audit checkpoint signing keys (Ed25519), read through the key loader as
 * `audit-checkpoint.vN.pem`. The active version (AUDIT_CHECKPOINT_KEY_VERSION, else the
 * highest) signs; every version present verifies and is published, so checkpoints signed
 * under v1 still verify after v2 becomes active. A retired version's file must stay (or its
 * public half be kept by the auditors) for as long as its checkpoints are to be checked.
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
    for (const [version, privateKey] of [...keys].sort(([a], [b]) => a - b)) publicKeys.set(version, createPublicKey(privateKey));
    return new CheckpointKeys({ version: active, privateKey: keys.get(active)! }, publicKeys);
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
