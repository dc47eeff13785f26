import { DynamicModule, Logger, Module, Provider } from '@nestjs/common';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { SIMULATOR_PROVIDER } from '../cosigner/cosigner.options';
import { CUSTODY_PROVIDERS, CustodyProvider } from './custody-provider';
import { FireblocksCredentials } from './fireblocks/fireblocks-credentials';
import { FireblocksProvider } from './fireblocks/fireblocks-provider';
import { FireblocksOptions, PROVIDERS_OPTIONS, ProvidersOptions } from './providers.options';
import { ProviderSimulator } from './simulator/provider-simulator';

/**
 * The custody providers' adapters (docs/architecture.md layout: `apps/api/src/providers`),
 * as the `CUSTODY_PROVIDERS` map the cosigner's transfers submit through: one adapter per
 * configured provider that has one (a provider configured only to answer its callbacks
 * needs none). An adapter is made only when its provider is configured.
 */
@Module({})
export class ProvidersModule {
  static forRoot(options: ProvidersOptions): DynamicModule {
    const adapters: (typeof ProviderSimulator | typeof FireblocksProvider)[] = [];
    const made: Provider[] = [];
    if (options.providers.includes(SIMULATOR_PROVIDER)) {
      adapters.push(ProviderSimulator);
      made.push(ProviderSimulator);
    }
    if (options.fireblocks) {
      const fireblocks = options.fireblocks;
      adapters.push(FireblocksProvider);
      made.push(fireblocksCredentialsProvider(fireblocks), {
        provide: FireblocksProvider,
        inject: [FireblocksCredentials],
        useFactory: (credentials: FireblocksCredentials) => new FireblocksProvider(fireblocks, credentials),
      });
    }
    const providers: Provider[] = [
      { provide: PROVIDERS_OPTIONS, useValue: options },
      ...made,
      {
        provide: CUSTODY_PROVIDERS,
        inject: adapters,
        useFactory: (...made: CustodyProvider[]) => new Map(made.map((adapter) => [adapter.name, adapter])),
      },
    ];
    return { module: ProvidersModule, providers, exports: [CUSTODY_PROVIDERS, ...adapters] };
  }
}

/** The Fireblocks API user's credentials, loaded when the module is built: missing or malformed material stops the boot, naming the file. */
export function fireblocksCredentialsProvider(options: Pick<FireblocksOptions, 'apiKeyVersion'>): Provider {
  return {
    provide: FireblocksCredentials,
    inject: [KeyMaterialDirectory],
    useFactory: (directory: KeyMaterialDirectory) => {
      const credentials = FireblocksCredentials.load(directory, options.apiKeyVersion);
      // Which version signs; the credentials show nothing else (toJSON).
      new Logger('Providers').log({ fireblocks: credentials }, 'fireblocks API credentials loaded');
      return credentials;
    },
  };
}
