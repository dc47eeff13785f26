import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

export interface AuditChange {
  target?: { type: string; id: string };
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

const TRAIL_KEY = 'ringfence:audit-change';

/** Where a service states what its use case changed; the audit interceptor writes it. */
@Injectable()
export class AuditTrail {
  constructor(private readonly cls: ClsService) {}

  record(change: AuditChange): void {
    const current = this.cls.get<AuditChange | undefined>(TRAIL_KEY) ?? {};
    this.cls.set(TRAIL_KEY, { ...current, ...change });
  }

  /** @internal the interceptor's read */
  current(): AuditChange {
    return (this.cls.isActive() ? this.cls.get<AuditChange | undefined>(TRAIL_KEY) : undefined) ?? {};
  }
}
