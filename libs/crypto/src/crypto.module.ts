import { DynamicModule, Module } from '@nestjs/common';
import { AesGcmCipher } from './aes-gcm-cipher';
import { KeyMaterialDirectory, loadKeyring } from './key-material';
import { Keyring } from './keyring';

export interface CryptoOptions {
  /** The host secrets directory (`RINGFENCE_SECRETS_DIR`). */
  secretsDir: string;
  /** The master key version new ciphertexts use; the highest present when unset. */
  activeMasterKeyVersion?: number;
}

/** Key material is loaded once at boot: a missing or malformed key stops the app there. */
@Module({})
export class CryptoModule {
  static forRoot(options: CryptoOptions): DynamicModule {
    return {
      module: CryptoModule,
      global: true,
      providers: [
        { provide: KeyMaterialDirectory, useFactory: () => new KeyMaterialDirectory(options.secretsDir) },
        {
          provide: Keyring,
          inject: [KeyMaterialDirectory],
          useFactory: (directory: KeyMaterialDirectory) => loadKeyring(directory, options.activeMasterKeyVersion),
        },
        { provide: AesGcmCipher, inject: [Keyring], useFactory: (keyring: Keyring) => new AesGcmCipher(keyring) },
      ],
      exports: [KeyMaterialDirectory, Keyring, AesGcmCipher],
    };
  }
}
