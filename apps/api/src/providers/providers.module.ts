import { DynamicModule, Module } from '@nestjs/common';
import { CUSTODY_PROVIDERS, CustodyProvider } from './custody-provider';
import { ProviderSimulator } from './simulator/provider-simulator';

/**
 * The custody providers' adapters (docs/architecture.md layout: `apps/api/src/providers`),
 * as the `CUSTODY_PROVIDERS` map the cosigner's transfers submit through: one adapter per
 * configured provider that has one (a provider configured only to answer its callbacks
 * needs none).
 */
@Module({})
export class ProvidersModule {
  static forRoot(options: { providers: readonly string[] }): DynamicModule {
    return {
      module: ProvidersModule,
      providers: [
        ProviderSimulator,
        {
          provide: CUSTODY_PROVIDERS,
          inject: [ProviderSimulator],
          useFactory: (simulator: ProviderSimulator) => {
            const adapters: CustodyProvider[] = [simulator];
            return new Map(
              adapters.filter((adapter) => options.providers.includes(adapter.name)).map((adapter) => [adapter.name, adapter]),
            );
          },
        },
      ],
      exports: [CUSTODY_PROVIDERS, ProviderSimulator],
    };
  }
}
