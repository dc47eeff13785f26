import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BEFORE_COMMIT } from '@ringfence/tenancy';
import { AuditBeforeCommit } from './audit-before-commit';
import { AuditLogEntry } from './audit-log-entry.entity';
import { AuditTrail } from './audit-trail';
import { AuditWriter } from './audit-writer';
import { SecurityEvents } from './security-events';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntry])],
  providers: [AuditTrail, AuditWriter, SecurityEvents, AuditBeforeCommit, { provide: BEFORE_COMMIT, useExisting: AuditBeforeCommit }],
  exports: [AuditTrail, AuditWriter, SecurityEvents, BEFORE_COMMIT],
})
export class AuditModule {}
