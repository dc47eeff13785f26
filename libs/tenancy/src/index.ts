export {
  ADMIN_ROLES,
  ANONYMOUS,
  actorLabel,
  actorOf,
  workspaceIdOf,
  type AdminRole,
  type AdminSessionStage,
  type KeyEnvironment,
  type Principal,
} from './principal';
export { newContextStore, RequestContext, WorkspaceContextMissingError, type RequestContextStore } from './request-context';
export { installRequestContext, type RequestContextSources } from './request-context.hooks';
export { BEFORE_COMMIT, RequestTransactionInterceptor, type BeforeCommit } from './request-transaction.interceptor';
export { TenancyModule } from './tenancy.module';
export { AfterTransactionError, applySessionSettings, CONFLICT_ATTEMPTS, UnitOfWork } from './unit-of-work';
export { DatabaseFaults, databaseFaultOf, databaseUnavailable, OUTAGE_QUIET_MS } from './database-faults';
export { DatabaseProblems } from './database.problems';
export { logJobFailure } from './reported-errors';
export { sqlCount, sqlRows } from './sql-rows';
