import { KeyMaterialDirectory, loadKeyring } from './key-material';
import { Keyring } from './keyring';

/**
 * Where the master keys come from. The application asks once, at boot, for a keyring:
 * every version it may need to decrypt, and the one new ciphertexts use. Everything that
 * encrypts (AesGcmCipher, rewrap) works on the keyring and never on the source.
 *
 * A KMS replaces the file provider without touching the rest (docs/adr/0008):
 * - Envelope keys: the secrets directory holds each version's data key *wrapped* by the
 *   KMS (`master.vN.key.wrapped`); `load()` calls the KMS to unwrap them into memory once,
 *   so a stolen disk holds nothing usable and the KMS audit log records every boot.
 * - Keys that never leave an HSM would instead need the cipher itself behind this port
 *   (encrypt/decrypt calls per value); the sealed layout already names the key version,
 *   so both kinds of ciphertext can coexist during a migration and `keys:rewrap` moves them.
 */
export interface KeyProvider {
  /** A human name for logs and errors (never key material). */
  readonly name: string;
  load(): Keyring | Promise<Keyring>;
}

export const KEY_PROVIDER = Symbol('KEY_PROVIDER');

/** `master.vN.key` files in the host secrets directory (base64 of 32 bytes, mode 0600). */
export class FileKeyProvider implements KeyProvider {
  readonly name = 'secrets directory';

  constructor(
    private readonly directory: KeyMaterialDirectory,
    private readonly activeVersion?: number,
  ) {}

  load(): Keyring {
    return loadKeyring(this.directory, this.activeVersion);
  }
}
