export {
  ADMIN_ROLES,
  ANONYMOUS,
  actorLabel,
  actorOf,
  environmentOf,
  workspaceIdOf,
  type AdminRole,
  type AdminSessionStage,
  type KeyEnvironment,
  type Principal,
} from './principal';
export { newContextStore, RequestContext, WorkspaceContextMissingError, type RequestContextStore } from './request-context';
export { installRequestContext, requestContextOf, type RequestContextSources } from './request-context.hooks';
export {
  BEFORE_COMMIT,
  REPLAYABLE_MUTATIONS,
  RequestTransactionInterceptor,
  type BeforeCommit,
  type ReplayableMutations,
  type RequestMutation,
} from './request-transaction.interceptor';
export { TenancyModule } from './tenancy.module';
export { Job, jobPrincipal } from './jobs/job-declaration';
export { JobRegistry, type JobCounters, type JobStatus } from './jobs/job-registry';
export { defineOutboxTable, retryDelayMs, type OutboxBackoff, type OutboxGroup, type OutboxTable } from './outbox/outbox-table';
export { DomainEvents, type DomainEvent } from './outbox/domain-events';
export {
  Outbox,
  type DeliveryOutcome,
  type OutboxClaim,
  type OutboxLease,
  type OutboxPass,
  type OutboxPassOptions,
  type OutboxRow,
  type RecordedDelivery,
} from './outbox/outbox';
export {
  AfterTransactionError,
  applySessionSettings,
  CONFLICT_ATTEMPTS,
  NoUnitOfWorkError,
  PoolReadInUnitOfWorkError,
  ReadOnlyWriteError,
  UnitOfWork,
  type TransactionTimeouts,
} from './unit-of-work';
export { DatabaseFaults, databaseFaultOf, databaseUnavailable, OUTAGE_QUIET_MS } from './database-faults';
export { DatabaseProblems } from './database.problems';
export { prepared, sqlCount, sqlRows, type SqlReader } from './sql-rows';
export { failureCodeOf } from './failure-code';
