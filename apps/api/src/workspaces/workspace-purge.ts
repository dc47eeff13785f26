import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { logJobFailure, Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

export const WORKSPACE_JOBS = Symbol('WORKSPACE_JOBS');
export interface WorkspaceJobsOptions {
  /** Run the purge on this instance (RINGFENCE_ROLE worker or all). */
  readonly purge: boolean;
}

const PURGE_INTERVAL_MS = 60 * 60_000;
const FIRST_PURGE_DELAY_MS = 60_000;
const BATCH = 100;
const PURGER: Principal = { kind: 'system', process: 'workspace-purge' };

/**
 * The purge of soft-deleted workspaces, hourly on worker instances: each workspace
 * deleted more than 30 days ago goes with its API keys. The 30 days, the deletion time
 * and the `workspace.purge` audit row (same statement) are the database function's
 * (migration 0004), not this code's; concurrent workers skip each other's rows.
 */
@Injectable()
export class WorkspacePurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkspacePurge.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(WORKSPACE_JOBS) private readonly options: WorkspaceJobsOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.purge) return;
    const run = () => void this.purgeQuietly();
    this.timers = [setTimeout(run, FIRST_PURGE_DELAY_MS).unref(), setInterval(run, PURGE_INTERVAL_MS).unref()];
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** The timers' run: never rejects; a failure is logged unless it is the database's outage. */
  purgeQuietly(): Promise<void> {
    return this.purgeDue().then(
      () => undefined,
      (error: unknown) => logJobFailure(this.logger, error, 'workspace purge failed'),
    );
  }

  /** Purges what is due, batch by batch; returns how many workspaces went. */
  async purgeDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.unitOfWork.run(
        async () => (await sqlRows<{ workspace_id: string }>(this.unitOfWork.manager, 'SELECT workspace_id FROM purge_deleted_workspaces($1)', [BATCH])).length,
        // A workspace goes with all its keys in one statement: the long-running allowance.
        { principal: PURGER, longRunning: true },
      );
      total += purged;
      if (purged < BATCH) return total;
    }
  }
}
