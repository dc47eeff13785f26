import { DynamicModule, Global, Logger, Module, Provider } from '@nestjs/common';
import { PROVIDER_AUTHENTICATOR } from '@ringfence/access';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { ProvidersModule } from '../providers/providers.module';
import type { ProvidersOptions } from '../providers/providers.options';
import { CosignerCallbacksController } from './cosigner-callbacks.controller';
import { ProviderSignatureAuthenticator } from './callbacks/provider-signature.authenticator';
import { CosignerPublicKeyController } from './cosigner-public-key.controller';
import { COSIGNER_OPTIONS, CosignerOptions } from './cosigner.options';
import { CapWindows } from './decisions/cap-windows';
import { CosignerDecisions } from './decisions/cosigner-decisions';
import { PolicyExplanations } from './decisions/policy-explanations';
import { AdminPoliciesController } from './admin-policies.controller';
import { PoliciesController } from './policies.controller';
import { PolicyVersions } from './policies/policy-versions';
import { CosignerKeys } from './protocol/cosigner-keys';
import { TransfersController } from './transfers.controller';
import { TransferResubmission } from './transfers/transfer-resubmission';
import { TransfersService } from './transfers/transfers.service';

/**
 * The cosigner's key material, loaded once at boot from the secrets directory, as the JWT
 * keys are: our response keys and each configured provider's co-signer keys; a missing or
 * malformed file stops the boot, naming the file.
 */
export function cosignerKeysProvider(options: CosignerOptions): Provider {
  return {
    provide: CosignerKeys,
    inject: [KeyMaterialDirectory],
    useFactory: (directory: KeyMaterialDirectory) => {
      const keys = CosignerKeys.load(directory, options.providers, options.responseKeyVersion);
      // Which response key signs, after a rotation; the keys show only their kids (toJSON).
      new Logger('Cosigner').log({ cosigner: keys }, 'cosigner keys loaded');
      return keys;
    },
  };
}

/**
 * The cosigner (ring L3, issue 15; docs/architecture.md layout: `apps/api/src/cosigner`). Its key
 * material (`cosignerKeysProvider`) is provided and exported as `CosignerKeys`. Routes: the
 * provider's callbacks (its signature alone), the workspace's and the admin's policies, the
 * workspace's transfers, `GET /v1/cosigner/:provider/public-key` (public). Global because the
 * AccessGate resolves the `provider` authenticator from here.
 */
@Global()
@Module({})
export class CosignerModule {
  static forRoot(options: CosignerOptions, custody: ProvidersOptions): DynamicModule {
    return {
      module: CosignerModule,
      imports: [ProvidersModule.forRoot(custody)],
      controllers: [
        CosignerPublicKeyController,
        CosignerCallbacksController,
        PoliciesController,
        AdminPoliciesController,
        TransfersController,
      ],
      providers: [
        PolicyVersions,
        CapWindows,
        CosignerDecisions,
        PolicyExplanations,
        TransfersService,
        TransferResubmission,
        ProviderSignatureAuthenticator,
        { provide: PROVIDER_AUTHENTICATOR, useExisting: ProviderSignatureAuthenticator },
        { provide: COSIGNER_OPTIONS, useValue: options },
        cosignerKeysProvider(options),
      ],
      exports: [CosignerKeys, PROVIDER_AUTHENTICATOR, CapWindows],
    };
  }
}
