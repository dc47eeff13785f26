export { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, type AuditActorType, type AuditOutcome } from './audit-row';
export { AuditModule } from './audit.module';
export { AuditProblems } from './audit.problems';
export { AuditTrail, type AuditChange } from './audit-trail';
export { AuditWriter, type AuditEvent } from './audit-writer';
export { AUDITED_ACTION, AUDITED_IN_SERVICE, Audited, AuditedInService } from './audited.decorator';
export { SecurityEvents } from './security-events';
export { AuditChain, type ChainHead, type ChainReport, type RetentionBoundary } from './chain/audit-chain';
export {
  AUDIT_ROW_TEXT_COLUMNS,
  auditRowCanonicalText,
  auditRowHash,
  CHAIN_GENESIS,
  chainStep,
  type AuditRowText,
} from './chain/audit-row-hash';
export { AUDIT_HEAD_ANCHOR, AuditSealer, type AuditHeadAnchor } from './chain/audit-sealer';
export { AUDIT_EXPORT_BATCH, AUDIT_PAGE_MAX, AuditEvents, type AuditEventFilter, type AuditEventView } from './view/audit-events';
export { declareAuditRedactions, declaredSecretFields, REDACTED } from './audit-redactions';
