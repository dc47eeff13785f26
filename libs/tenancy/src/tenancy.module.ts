import { Global, Module } from '@nestjs/common';
import { RequestContext } from './request-context';
import { UnitOfWork } from './unit-of-work';

/** Needs a TypeORM DataSource; the application installs the request-context hooks. */
@Global()
@Module({
  providers: [RequestContext, UnitOfWork],
  exports: [RequestContext, UnitOfWork],
})
export class TenancyModule {}
