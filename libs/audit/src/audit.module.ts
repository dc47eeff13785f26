import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogEntry } from './audit-log-entry.entity';
import { AuditInterceptor } from './audit.interceptor';
import { AuditTrail } from './audit-trail';
import { AuditWriter } from './audit-writer';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntry])],
  providers: [AuditTrail, AuditWriter, AuditInterceptor],
  exports: [AuditTrail, AuditWriter, AuditInterceptor],
})
export class AuditModule {}
