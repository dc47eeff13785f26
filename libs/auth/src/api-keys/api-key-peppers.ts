import { inspect } from 'node:util';
import { hmacSha256, KeyMaterialDirectory, KeyMaterialError, parseBase64Key } from '@ringfence/crypto';

const PEPPER_NAME = /^api-key-pepper\.v([1-9][0-9]{0,8})\.key$/;
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
    const peppers = new Map<number, Buffer>();
    for (const name of directory.list()) {
      const match = PEPPER_NAME.exec(name);
      if (match?.[1]) peppers.set(Number(match[1]), parseBase64Key(name, directory.read(name), PEPPER_BYTES));
    }
    if (peppers.size === 0) {
      throw new KeyMaterialError('api-key-pepper.v1.key', 'no API-key pepper (api-key-pepper.vN.key) in the secrets directory');
    }
    return new ApiKeyPeppers(peppers, Math.max(...peppers.keys()));
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
