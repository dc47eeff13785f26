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
export { newContextStore, RequestContext, WorkspaceContextMissingError, type RequestContextStore, type UnitOfWorkAttempt } from './request-context';
export { installRequestContext } from './request-context.hooks';
export { BEFORE_COMMIT, RequestTransactionInterceptor, type BeforeCommit } from './request-transaction.interceptor';
export { TenancyModule } from './tenancy.module';
export {
  AfterTransactionError,
  applySessionSettings,
  CONFLICT_ATTEMPTS,
  UNIT_OF_WORK_OPTIONS,
  UnitOfWork,
  type RunOptions,
  type TransactionTimeouts,
  type UnitOfWorkOptions,
} from './unit-of-work';
export {
  DATABASE_UNAVAILABLE,
  DatabaseFaults,
  databaseFaultOf,
  DatabaseUnavailableException,
  OUTAGE_QUIET_MS,
  type DatabaseFault,
  type DatabaseFaultKind,
} from './database-faults';
export { isReportedState, logJobFailure, retryAfterOf, type ReportedState, type RetryLater } from './reported-errors';
export { sqlCount, sqlRows } from './sql-rows';
