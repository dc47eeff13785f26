import { hmacSha256, KeyMaterialDirectory, loadVersionedKeys, parseBase64Key } from '@ringfence/crypto';
import { inspect } from 'node:util';

const PEPPER_BYTES = 32;

/**
 * The API-key peppers, by version, from the host secrets directory
 * (`api-key-pepper.vN.key`, base64 of 32 bytes). A key's stored hash is
 * HMAC-SHA-256(pepper, key) and names its pepper version; new keys use the highest
 * version, and every present version still verifies, so a pepper can rotate.
 */
export class ApiKeyPeppers {
  readonly #peppers: ReadonlyMap<number, Buffer>;
  readonly activeVersion: number;

  private constructor(peppers: Map<number, Buffer>, activeVersion: number) {
    this.#peppers = peppers;
    this.activeVersion = activeVersion;
  }

  static load(directory: KeyMaterialDirectory): ApiKeyPeppers {
    const { keys, active } = loadVersionedKeys(
      directory,
      { stem: 'api-key-pepper', extension: 'key', what: 'API-key pepper' },
      (name, content) => parseBase64Key(name, content, PEPPER_BYTES),
    );
    return new ApiKeyPeppers(keys, active);
  }

  /** The hash to store for `key` under the active pepper. */
  hashForStorage(key: string): { hash: Buffer; pepperVersion: number } {
    return { hash: this.hash(key, this.activeVersion)!, pepperVersion: this.activeVersion };
  }

  /** The hash of `key` under pepper `version`, or undefined when that pepper is gone. */
  hash(key: string, version: number): Buffer | undefined {
    const pepper = this.#peppers.get(version);
    return pepper && hmacSha256(pepper, key);
  }

  toJSON(): { versions: number[]; activeVersion: number } {
    return { versions: [...this.#peppers.keys()].sort((a, b) => a - b), activeVersion: this.activeVersion };
  }

  [inspect.custom](): string {
    return `ApiKeyPeppers { versions: [${this.toJSON().versions.join(', ')}], active: ${this.activeVersion} }`;
  }
}
