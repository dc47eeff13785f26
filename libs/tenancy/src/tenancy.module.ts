import { Global, Module } from '@nestjs/common';
import { RequestContext } from './request-context';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor';

/** Needs nestjs-cls and @nestjs-cls/transactional registered by the application. */
@Global()
@Module({
  providers: [RequestContext, TenantTransactionInterceptor],
  exports: [RequestContext, TenantTransactionInterceptor],
})
export class TenancyModule {}
