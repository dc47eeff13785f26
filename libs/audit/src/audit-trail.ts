import { Injectable } from '@nestjs/common';
import { KeyEnvironment, RequestContext } from '@ringfence/tenancy';

export interface AuditChange {
  target?: { type: string; id: string };
  /**
   * The workspace the change is about, when the actor has none of its own (an admin
   * acting on a workspace's keys); a workspace target names itself.
   */
  workspaceId?: string;
  /**
   * The environment of what the change is about, when the actor has none of its own (an
   * admin acting on a test key): a live key's audit view does not show it, a test key's does.
   */
  environment?: KeyEnvironment;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

const TRAIL = Symbol('ringfence.auditTrail');

/** Where a use case states what it changed; the audit row is written from it before commit. */
@Injectable()
export class AuditTrail {
  constructor(private readonly context: RequestContext) {}

  record(change: AuditChange): void {
    const slots = this.context.store?.slots;
    if (!slots) throw new Error('no request context to record an audit change in');
    slots.set(TRAIL, { ...this.current(), ...change });
  }

  current(): AuditChange {
    return (this.context.store?.slots.get(TRAIL) as AuditChange | undefined) ?? {};
  }
}
