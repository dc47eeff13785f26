import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AesGcmCipher } from './aes-gcm-cipher';
import { KeyMaterialDirectory } from './key-material';
import { FileKeyProvider, KEY_PROVIDER, KeyProvider } from './key-provider';
import { Keyring } from './keyring';

export interface CryptoOptions {
  /** The host secrets directory (`RINGFENCE_SECRETS_DIR`). */
  secretsDir: string;
  /** The master key version new ciphertexts use; the highest present when unset. */
  activeMasterKeyVersion?: number;
  /** Where master keys come from (KEY_PROVIDER); the secrets directory's files when unset. */
  keyProvider?: Provider;
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
        options.keyProvider ?? {
          provide: KEY_PROVIDER,
          inject: [KeyMaterialDirectory],
          useFactory: (directory: KeyMaterialDirectory) => new FileKeyProvider(directory, options.activeMasterKeyVersion),
        },
        { provide: Keyring, inject: [KEY_PROVIDER], useFactory: (provider: KeyProvider) => provider.load() },
        { provide: AesGcmCipher, inject: [Keyring], useFactory: (keyring: Keyring) => new AesGcmCipher(keyring) },
      ],
      exports: [KeyMaterialDirectory, KEY_PROVIDER, Keyring, AesGcmCipher],
    };
  }
}
