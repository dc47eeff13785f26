import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DatabaseFaults } from './database-faults';
import { JOB_REGISTRY_OPTIONS, JobRegistry, JobRegistryOptions } from './jobs/job-registry';
import { DomainEvents } from './outbox/domain-events';
import { Outbox } from './outbox/outbox';
import { RequestContext } from './request-context';
import { UNIT_OF_WORK_OPTIONS, UnitOfWork, UnitOfWorkOptions } from './unit-of-work';

export interface TenancyOptions extends UnitOfWorkOptions {
  readonly jobs: JobRegistryOptions;
}

/** Needs a TypeORM DataSource; the application installs the request-context hooks. Finds every `@Job` of the application. */
@Global()
@Module({})
export class TenancyModule {
  static forRoot(options: TenancyOptions): DynamicModule {
    const { jobs, ...unitOfWork } = options;
    return {
      module: TenancyModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: UNIT_OF_WORK_OPTIONS, useValue: unitOfWork },
        { provide: JOB_REGISTRY_OPTIONS, useValue: jobs },
        RequestContext,
        DatabaseFaults,
        UnitOfWork,
        JobRegistry,
        Outbox,
        DomainEvents,
      ],
      exports: [RequestContext, DatabaseFaults, UnitOfWork, JobRegistry, Outbox, DomainEvents],
    };
  }
}
