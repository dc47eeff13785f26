import { inspect } from 'node:util';

export const MASTER_KEY_BYTES = 32;

/**
 * The master keys, by version. Key bytes never leave this object except to the
 * cipher; printing, logging or serialising a keyring shows versions only.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<number, Buffer>;
  readonly activeVersion: number;

  constructor(keys: ReadonlyMap<number, Buffer>, activeVersion: number) {
    if (keys.size === 0) throw new Error('the keyring needs at least one master key');
    for (const [version, key] of keys) {
      if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) {
        throw new Error(`master key version ${String(version)} is not a positive 32-bit integer`);
      }
      if (key.length !== MASTER_KEY_BYTES) {
        throw new Error(`master key v${version} must be exactly ${MASTER_KEY_BYTES} bytes`);
      }
    }
    if (!keys.has(activeVersion)) {
      throw new Error(`the active master key version v${activeVersion} is not in the keyring`);
    }
    this.#keys = new Map([...keys].map(([version, key]) => [version, Buffer.from(key)]));
    this.activeVersion = activeVersion;
  }

  get versions(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  /** @internal for the cipher only */
  keyFor(version: number): Buffer | undefined {
    return this.#keys.get(version);
  }

  toJSON(): { versions: number[]; activeVersion: number } {
    return { versions: this.versions, activeVersion: this.activeVersion };
  }

  [inspect.custom](): string {
    return `Keyring { versions: [${this.versions.join(', ')}], active: ${this.activeVersion} }`;
  }
}
