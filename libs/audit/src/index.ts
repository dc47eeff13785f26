export { AuditLogEntry, type AuditActorType, type AuditOutcome } from './audit-log-entry.entity';
export { AuditModule } from './audit.module';
export { AuditTrail, type AuditChange } from './audit-trail';
export { AuditWriter, type AuditEvent } from './audit-writer';
export { AUDITED_ACTION, Audited } from './audited.decorator';
export { SecurityEvents } from './security-events';
export { AuditChain, type ChainHead, type ChainReport } from './chain/audit-chain';
export { AuditSealer, SETTLE_SECONDS, type AuditJobsOptions } from './chain/audit-sealer';
export { AUDIT_PAGE_MAX, AuditEvents, InvalidCursorError, type AuditEventFilter, type AuditEventView } from './view/audit-events';
