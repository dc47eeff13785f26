import { Injectable } from '@nestjs/common';
import { Job, jobPrincipal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

const PURGE_JOB = 'workspace-purge';
const BATCH = 100;
const PURGER = jobPrincipal(PURGE_JOB);

/**
 * The purge of soft-deleted workspaces, a cluster job run hourly: each workspace deleted
 * more than 30 days ago goes with its API keys. The 30 days, the deletion time and the
 * `workspace.purge` audit row (same statement) are the database function's (migration
 * 0004), not this code's; concurrent workers skip each other's rows.
 */
@Injectable()
export class WorkspacePurge {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  @Job({ name: PURGE_JOB, scope: 'cluster', everyMs: 60 * 60_000, firstAfterMs: 60_000 })
  async purgeTurn(signal: AbortSignal): Promise<void> {
    await this.purgeDue(signal);
  }

  /** Purges what is due, batch by batch (until `signal` aborts); returns how many workspaces went. */
  async purgeDue(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (!signal?.aborted) {
      const purged = await this.unitOfWork.run(
        async () =>
          (
            await sqlRows<{ workspace_id: string }>(this.unitOfWork.manager, 'SELECT workspace_id FROM purge_deleted_workspaces($1)', [
              BATCH,
            ])
          ).length,
        // A workspace goes with all its keys in one statement: the long-running allowance.
        { principal: PURGER, longRunning: true },
      );
      total += purged;
      if (purged < BATCH) break;
    }
    return total;
  }
}
