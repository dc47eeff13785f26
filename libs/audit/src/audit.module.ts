import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { BEFORE_COMMIT } from '@ringfence/tenancy';
import { AuditBeforeCommit } from './audit-before-commit';
import { AuditTrail } from './audit-trail';
import { AuditWriter } from './audit-writer';
import { AuditChain } from './chain/audit-chain';
import { AUDIT_RETENTION, AuditRetentionOptions, AuditSealer } from './chain/audit-sealer';
import { SecurityEvents } from './security-events';
import { AuditEvents } from './view/audit-events';

/**
 * The audit ring (L2): rows written in the request's transaction (`@Audited`) or in their
 * own (SecurityEvents), the hash chain and its sealer, and the auditors' view.
 */
@Global()
@Module({})
export class AuditModule {
  /** `anchor`: the providers of AUDIT_HEAD_ANCHOR and what it needs (the API's signed checkpoints), exported too. */
  static forRoot(retention: AuditRetentionOptions, anchor: Provider[] = []): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        { provide: AUDIT_RETENTION, useValue: retention },
        AuditTrail,
        AuditWriter,
        SecurityEvents,
        AuditBeforeCommit,
        { provide: BEFORE_COMMIT, useExisting: AuditBeforeCommit },
        AuditChain,
        AuditSealer,
        AuditEvents,
        ...anchor,
      ],
      exports: [AuditTrail, AuditWriter, SecurityEvents, BEFORE_COMMIT, AuditChain, AuditSealer, AuditEvents, ...anchor],
    };
  }
}
