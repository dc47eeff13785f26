import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { SIMULATOR_PROVIDER } from '../cosigner/cosigner.options';
import { CUSTODY_PROVIDERS, CustodyProvider } from './custody-provider';
import { PROVIDERS_OPTIONS, ProvidersOptions } from './providers.options';
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
    const adapters: Type<CustodyProvider>[] = [];
    if (options.providers.includes(SIMULATOR_PROVIDER)) adapters.push(ProviderSimulator);
    const providers: Provider[] = [
      { provide: PROVIDERS_OPTIONS, useValue: options },
      ...adapters,
      {
        provide: CUSTODY_PROVIDERS,
        inject: adapters,
        useFactory: (...made: CustodyProvider[]) => new Map(made.map((adapter) => [adapter.name, adapter])),
      },
    ];
    return { module: ProvidersModule, providers, exports: [CUSTODY_PROVIDERS, ...adapters] };
  }
}
