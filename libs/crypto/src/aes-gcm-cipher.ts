import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Keyring } from './keyring';

const FORMAT_V1 = 1;
const HEADER_BYTES = 1 + 4; // format byte + key version (uint32 BE)
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown for any ciphertext that does not authenticate; it never says why. */
export class DecryptionError extends Error {
  constructor() {
    super('ciphertext could not be decrypted');
    this.name = 'DecryptionError';
  }
}

/**
 * AES-256-GCM under the keyring's active key. The sealed layout is
 * `format(1) | keyVersion(4) | iv(12) | tag(16) | ciphertext`; the header is part of
 * the authenticated data, so neither the version nor the format can be swapped.
 * `aad` binds a ciphertext to its place (table, column, workspace, row id).
 */
export class AesGcmCipher {
  constructor(private readonly keyring: Keyring) {}

  encrypt(plaintext: Uint8Array, aad: string | Uint8Array): Buffer {
    const version = this.keyring.activeVersion;
    const key = this.keyring.keyFor(version);
    if (!key) throw new Error('active master key missing');
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(FORMAT_V1, 0);
    header.writeUInt32BE(version, 1);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([header, toBuffer(aad)]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Uint8Array, aad: string | Uint8Array): Buffer {
    const blob = Buffer.from(sealed);
    if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || blob.readUInt8(0) !== FORMAT_V1) {
      throw new DecryptionError();
    }
    const key = this.keyring.keyFor(blob.readUInt32BE(1));
    if (!key) throw new DecryptionError();
    const header = blob.subarray(0, HEADER_BYTES);
    const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    const tag = blob.subarray(HEADER_BYTES + IV_BYTES, HEADER_BYTES + IV_BYTES + TAG_BYTES);
    const body = blob.subarray(HEADER_BYTES + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.concat([header, toBuffer(aad)]));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new DecryptionError();
    }
  }

  /** The key version a sealed value names, for rewrapping and reports. */
  static keyVersionOf(sealed: Uint8Array): number {
    const blob = Buffer.from(sealed);
    if (blob.length < HEADER_BYTES || blob.readUInt8(0) !== FORMAT_V1) throw new DecryptionError();
    return blob.readUInt32BE(1);
  }

  /**
   * The same key version as a SQL expression over a bytea column: header bytes 1 to 4,
   * big-endian (the rewrap selects and counts values by it). `column` must be a plain
   * identifier the caller has checked.
   */
  static keyVersionSql(column: string): string {
    return `(get_byte(${column}, 1) * 16777216 + get_byte(${column}, 2) * 65536 + get_byte(${column}, 3) * 256 + get_byte(${column}, 4))`;
  }
}

function toBuffer(value: string | Uint8Array): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}
