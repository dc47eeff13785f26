import { KeyMaterialDirectory, KeyMaterialError, loadVersionedKeys, rsaKeyParser } from '@ringfence/crypto';
import { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

/** An API key as the provider's console shows it: printable ASCII, no spaces. */
const API_KEY = /^[\x21-\x7e]{8,200}$/;

/**
 * The Fireblocks API user's credentials, from the host secrets directory: its API key
 * (`fireblocks-api-key.vN.key`, the text the console shows) and the RSA private key whose
 * CSR made it (`fireblocks-api.vN.pem`, PKCS#8 or PKCS#1 PEM, at least 2048 bits), of the
 * same version: the active one is FIREBLOCKS_API_KEY_VERSION, else the highest key's. A
 * missing or malformed file stops the boot, naming it and never its content; nothing of
 * either reaches a log (toJSON and inspect show the version only).
 */
export class FireblocksCredentials {
  readonly #apiKey: string;
  readonly #privateKey: KeyObject;

  private constructor(
    readonly version: number,
    apiKey: string,
    privateKey: KeyObject,
  ) {
    this.#apiKey = apiKey;
    this.#privateKey = privateKey;
  }

  static load(directory: KeyMaterialDirectory, activeVersion?: number): FireblocksCredentials {
    const apiKeys = loadVersionedKeys(
      directory,
      { stem: 'fireblocks-api-key', extension: 'key', what: 'Fireblocks API key' },
      (name, content) => {
        const text = content.toString('utf8').trim();
        if (!API_KEY.test(text)) throw new KeyMaterialError(name, 'is not an API key (8 to 200 printable characters, no spaces)');
        return text;
      },
      activeVersion,
    );
    // The private key of the API key's own version: the two were made together.
    const pem = `fireblocks-api.v${apiKeys.active}.pem`;
    const privateKey = rsaKeyParser('private')(pem, directory.read(pem));
    return new FireblocksCredentials(apiKeys.active, apiKeys.keys.get(apiKeys.active)!, privateKey);
  }

  /** @internal for the request signer only */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** @internal for the request signer only */
  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  toJSON(): { version: number } {
    return { version: this.version };
  }

  [inspect.custom](): string {
    return `FireblocksCredentials { version: ${this.version} }`;
  }
}
