import { DynamicModule, Module } from '@nestjs/common';
import { RevealLimitGuard } from './reveal-limit.guard';
import { VaultController } from './vault.controller';
import { VAULT_OPTIONS, VaultOptions } from './vault.options';
import { VaultSecrets } from './vault-secrets';

/** Workspace secrets under the master keyring (docs/architecture.md layout: `apps/api/src/vault`). */
@Module({})
export class VaultModule {
  static forRoot(options: VaultOptions): DynamicModule {
    return {
      module: VaultModule,
      controllers: [VaultController],
      providers: [{ provide: VAULT_OPTIONS, useValue: options }, VaultSecrets, RevealLimitGuard],
      exports: [VaultSecrets],
    };
  }
}
