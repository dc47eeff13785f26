import { DynamicModule, Global, Module } from '@nestjs/common';
import { DatabaseFaults } from './database-faults';
import { RequestContext } from './request-context';
import { UNIT_OF_WORK_OPTIONS, UnitOfWork, UnitOfWorkOptions } from './unit-of-work';

/** Needs a TypeORM DataSource; the application installs the request-context hooks. */
@Global()
@Module({})
export class TenancyModule {
  static forRoot(options: UnitOfWorkOptions): DynamicModule {
    return {
      module: TenancyModule,
      providers: [{ provide: UNIT_OF_WORK_OPTIONS, useValue: options }, RequestContext, DatabaseFaults, UnitOfWork],
      exports: [RequestContext, DatabaseFaults, UnitOfWork],
    };
  }
}
