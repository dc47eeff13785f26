import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

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
 * deleted more than 30 days ago goes with its API keys, and one audit row per workspace
 * says so in the same transaction. The 30 days are enforced by the database function
 * (migration 0004), not by this code; concurrent workers skip each other's rows.
 */
@Injectable()
export class WorkspacePurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkspacePurge.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditWriter,
    @Inject(WORKSPACE_JOBS) private readonly options: WorkspaceJobsOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.purge) return;
    const run = () => void this.purgeDue().catch((error: unknown) => this.logger.error({ err: error }, 'workspace purge failed'));
    this.timers = [setTimeout(run, FIRST_PURGE_DELAY_MS).unref(), setInterval(run, PURGE_INTERVAL_MS).unref()];
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** Purges what is due, batch by batch; returns how many workspaces went. */
  async purgeDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.unitOfWork.run(
        async () => {
          const rows = await sqlRows<{ workspace_id: string; deleted_at: Date; api_keys_destroyed: string }>(
            this.unitOfWork.manager,
            'SELECT workspace_id, deleted_at, api_keys_destroyed FROM purge_deleted_workspaces($1)',
            [BATCH],
          );
          for (const row of rows) {
            await this.audit.append({
              action: 'workspace.purge',
              outcome: 'success',
              target: { type: 'workspace', id: row.workspace_id },
              before: { status: 'deleted', deletedAt: row.deleted_at.toISOString() },
              after: { apiKeysDestroyed: Number(row.api_keys_destroyed) },
            });
          }
          return rows.length;
        },
        { principal: PURGER },
      );
      total += purged;
      if (purged < BATCH) return total;
    }
  }
}
