import { Injectable } from '@nestjs/common';
import type { KeyEnvironment } from '../principal';
import { prepared } from '../sql-rows';
import { UnitOfWork } from '../unit-of-work';

/** Something that happened to a workspace, in the catalogue's words (`transfer.approved`, `policy.activated`). */
export interface DomainEvent {
  readonly type: string;
  /** What it is about (a transfer's id, a policy's version), for the subscriber's correlation. */
  readonly subjectId?: string;
  readonly payload: Record<string, unknown>;
}

const EVENT_TYPE = /^[a-z_]+(\.[a-z_]+)+$/;

const INSERT_EVENT = `INSERT INTO domain_events (workspace_id, environment, type, subject_id, payload) VALUES ($1, $2, $3, $4, $5)`;

/**
 * The seam between what changes a workspace and who tells its systems (the webhooks'
 * delivery, issue 16): an event is appended in the transaction that makes it happen, so it
 * exists exactly when the change committed (never lost by a crash, never announced for a
 * rollback). Appended only; the deliverer reads them on the platform path.
 */
@Injectable()
export class DomainEvents {
  private readonly committedListeners: ((type: string) => void)[] = [];

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /**
   * Called with an event's type once the transaction that appended it has committed (never
   * for a rollback): the deliverer's cue to look now rather than at its next turn. A cue only:
   * what was appended is in the table whether or not anyone listened.
   */
  onCommitted(listener: (type: string) => void): void {
    this.committedListeners.push(listener);
  }

  async record(place: { workspaceId: string; environment: KeyEnvironment }, event: DomainEvent): Promise<void> {
    if (!EVENT_TYPE.test(event.type)) throw new Error(`domain event type "${event.type}" is not of the form resource.verb`);
    if (this.committedListeners.length > 0) {
      this.unitOfWork.afterCommit(() => {
        for (const listener of this.committedListeners) listener(event.type);
      });
    }
    await this.unitOfWork.manager.query(prepared('ringfence_domain_event_insert', INSERT_EVENT), [
      place.workspaceId,
      place.environment,
      event.type,
      event.subjectId ?? null,
      JSON.stringify(event.payload),
    ]);
  }
}
