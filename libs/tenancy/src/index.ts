export { ANONYMOUS, actorOf, workspaceIdOf, type AdminRole, type KeyEnvironment, type Principal } from './principal';
export { RequestContext, WorkspaceContextMissingError, type RequestContextStore } from './request-context';
export { TenancyModule } from './tenancy.module';
export { TenantTransactionInterceptor, applySessionSettings } from './tenant-transaction.interceptor';
