import { DynamicModule, Global, Module, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { REPLAYABLE_MUTATIONS } from '@ringfence/tenancy';
import { IdempotencyKeys } from './idempotency-keys';
import { IDEMPOTENCY_OPTIONS, IdempotencyOptions } from './idempotency.options';
import { IdempotentMutations } from './idempotent-mutations';
import { idempotentRouteProblems } from './idempotent-routes';

/**
 * Idempotency keys for the routes declared `@Idempotent()` (docs/adr/0020-idempotency-keys.md):
 * the request transaction's REPLAYABLE_MUTATIONS (global, as the audit ring's BEFORE_COMMIT
 * is: the transaction interceptor is made in each feature's module), the table's home and
 * its purge job. Boot stops on an `@Idempotent()` route that breaks the decorator's rules.
 */
@Global()
@Module({})
export class IdempotencyModule implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  static forRoot(options: IdempotencyOptions): DynamicModule {
    return {
      module: IdempotencyModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: IDEMPOTENCY_OPTIONS, useValue: options },
        IdempotencyKeys,
        IdempotentMutations,
        { provide: REPLAYABLE_MUTATIONS, useExisting: IdempotentMutations },
      ],
      exports: [IdempotencyKeys, REPLAYABLE_MUTATIONS],
    };
  }

  onModuleInit(): void {
    const problems = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type | null)
      .flatMap((controller) => (controller ? idempotentRouteProblems(controller) : []));
    if (problems.length > 0) throw new Error(`@Idempotent() routes refused:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  }
}
