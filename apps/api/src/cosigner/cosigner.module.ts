import { DynamicModule, Global, Logger, Module, Provider } from '@nestjs/common';
import { PROVIDER_AUTHENTICATOR } from '@ringfence/access';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { ProvidersModule } from '../providers/providers.module';
import type { ProvidersOptions } from '../providers/providers.options';
import { CosignerCallbacksController } from './cosigner-callbacks.controller';
import { ProviderSignatureAuthenticator } from './callbacks/provider-signature.authenticator';
import { CosignerPublicKeyController } from './cosigner-public-key.controller';
import { InboundEventsController } from './inbound-events.controller';
import { InboundEventAuthenticator, providerAuthenticator } from './inbound/inbound-event.authenticator';
import { InboundProviderEvents } from './inbound/inbound-events';
import { InboundKeys } from './inbound/inbound-keys';
import { COSIGNER_OPTIONS, CosignerOptions } from './cosigner.options';
import { CapWindows } from './decisions/cap-windows';
import { CosignerDecisions } from './decisions/cosigner-decisions';
import { PolicyExplanations } from './decisions/policy-explanations';
import { AdminPoliciesController } from './admin-policies.controller';
import { AdminTransfersController } from './admin-transfers.controller';
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
 * The providers' webhook key material (InboundKeys), loaded once at boot from the secrets
 * directory: a configured provider's missing or malformed file stops the boot, naming it.
 */
export function inboundKeysProvider(options: CosignerOptions): Provider {
  return {
    provide: InboundKeys,
    inject: [KeyMaterialDirectory],
    useFactory: (directory: KeyMaterialDirectory) => {
      const keys = InboundKeys.load(directory, options.inbound.providers);
      // Providers, schemes and versions only (toJSON).
      new Logger('Cosigner').log({ inbound: keys }, 'inbound webhook keys loaded');
      return keys;
    },
  };
}

/**
 * The cosigner (ring L3, issue 15; docs/architecture.md layout: `apps/api/src/cosigner`). Its key
 * material (`cosignerKeysProvider`) is provided and exported as `CosignerKeys`. Routes: the
 * provider's callbacks and its webhooks (`/v1/inbound/:provider/webhooks`: their signatures alone), the workspace's and the admin's policies, the
 * workspace's transfers (and the admin's read of them), `GET /v1/cosigner/:provider/public-key` (public). Global because the
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
        InboundEventsController,
        PoliciesController,
        AdminPoliciesController,
        TransfersController,
        AdminTransfersController,
      ],
      providers: [
        PolicyVersions,
        CapWindows,
        CosignerDecisions,
        PolicyExplanations,
        TransfersService,
        TransferResubmission,
        ProviderSignatureAuthenticator,
        InboundEventAuthenticator,
        InboundProviderEvents,
        {
          provide: PROVIDER_AUTHENTICATOR,
          inject: [ProviderSignatureAuthenticator, InboundEventAuthenticator],
          useFactory: providerAuthenticator,
        },
        { provide: COSIGNER_OPTIONS, useValue: options },
        cosignerKeysProvider(options),
        inboundKeysProvider(options),
      ],
      exports: [CosignerKeys, PROVIDER_AUTHENTICATOR, CapWindows],
    };
  }
}
