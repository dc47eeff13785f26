import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** The audit ring's routes; its services are libs/audit's (AuditModule, global). */
@Module({ controllers: [AuditController] })
export class AuditRoutesModule {}
