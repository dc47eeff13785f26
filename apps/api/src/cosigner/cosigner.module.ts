import { DynamicModule, Logger, Module } from '@nestjs/common';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { CosignerPublicKeyController } from './cosigner-public-key.controller';
import { COSIGNER_OPTIONS, CosignerOptions } from './cosigner.options';
import { CosignerKeys } from './protocol/cosigner-keys';

/**
 * The cosigner (ring L3, issue 15; docs/architecture.md layout: `apps/api/src/cosigner`). Its
 * key material is loaded once at boot from the secrets directory, as the JWT keys are: our
 * response keys and each configured provider's co-signer keys, provided (and exported) as
 * `CosignerKeys`; a missing or malformed file stops the boot, naming the file. Routes:
 * `GET /v1/cosigner/:provider/public-key` (public).
 */
@Module({})
export class CosignerModule {
  static forRoot(options: CosignerOptions): DynamicModule {
    return {
      module: CosignerModule,
      controllers: [CosignerPublicKeyController],
      providers: [
        { provide: COSIGNER_OPTIONS, useValue: options },
        {
          provide: CosignerKeys,
          inject: [KeyMaterialDirectory],
          useFactory: (directory: KeyMaterialDirectory) => {
            const keys = CosignerKeys.load(directory, options.providers, options.responseKeyVersion);
            // Which response key signs, after a rotation; the keys show only their kids (toJSON).
            new Logger('Cosigner').log({ cosigner: keys }, 'cosigner keys loaded');
            return keys;
          },
        },
      ],
      exports: [CosignerKeys],
    };
  }
}
