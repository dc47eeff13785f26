import { Global, Module } from '@nestjs/common';
import { DatabaseFaults } from './database-faults';
import { RequestContext } from './request-context';
import { UnitOfWork } from './unit-of-work';

/** Needs a TypeORM DataSource; the application installs the request-context hooks. */
@Global()
@Module({
  providers: [RequestContext, DatabaseFaults, UnitOfWork],
  exports: [RequestContext, DatabaseFaults, UnitOfWork],
})
export class TenancyModule {}
