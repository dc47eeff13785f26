export { AesGcmCipher, DecryptionError } from './aes-gcm-cipher';
export { CROCKFORD_ALPHABET, decodeCrockford, encodeCrockford } from './crockford-base32';
export { CryptoModule, type CryptoOptions } from './crypto.module';
export {
  KeyMaterialDirectory,
  KeyMaterialError,
  loadKeyring,
  loadVersionedKeys,
  MIN_RSA_BITS,
  parseBase64Key,
  rsaKeyParser,
  type VersionedKeyFiles,
} from './key-material';
export { FileKeyProvider, KEY_PROVIDER, type KeyProvider } from './key-provider';
export { Keyring, MASTER_KEY_BYTES } from './keyring';
export { constantTimeEqual, hmacSha256 } from './mac';
export { randomToken } from './random-token';
export { declareSealedColumn, sealedColumns, type SealedColumn, type SealedRowPlace } from './sealed-columns';
