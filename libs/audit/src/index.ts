export { AuditLogEntry, type AuditActorType, type AuditOutcome } from './audit-log-entry.entity';
export { AuditModule } from './audit.module';
export { AuditTrail, type AuditChange } from './audit-trail';
export { AuditWriter, type AuditEvent } from './audit-writer';
export { AUDITED_ACTION, Audited } from './audited.decorator';
export { SecurityEvents } from './security-events';
