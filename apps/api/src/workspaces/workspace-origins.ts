import { Injectable } from '@nestjs/common';
import { Job, jobPrincipal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

const ORIGINS_JOB = 'workspace-origins';
const ORIGINS_READER = jobPrincipal(ORIGINS_JOB);

/**
 * The browser origins each active workspace allows (`allowed_origins`), held in memory
 * for CORS: a preflight carries no key, so it is answered for any workspace's origin, and
 * the request itself is then held to its own workspace's list (WorkspaceOriginCheck).
 * Reloaded every 30 seconds (changes made on other instances), and updated at once by
 * changes made on this one. An instance job: every instance holds its own copy, whatever
 * its role. Boot does not depend on the database: until a load succeeds, no workspace
 * origin is allowed.
 */
@Injectable()
export class WorkspaceOrigins {
  private byWorkspace = new Map<string, ReadonlySet<string>>();
  private anyWorkspace: ReadonlySet<string> = new Set();
  /** Bumped by every local change: a reload that read the table before it must not undo it. */
  private generation = 0;

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Some active workspace allows `origin` (a preflight may be answered). */
  allowedForSomeWorkspace(origin: string): boolean {
    return this.anyWorkspace.has(origin);
  }

  allowedFor(workspaceId: string, origin: string): boolean {
    return this.byWorkspace.get(workspaceId)?.has(origin) ?? false;
  }

  /** A workspace changed on this instance: its origins apply here as soon as the change commits. */
  changed(workspace: { id: string; status: string; allowedOrigins: readonly string[] }): void {
    this.unitOfWork.afterCommit(() => {
      this.generation += 1;
      const next = new Map(this.byWorkspace);
      if (workspace.status === 'active' && workspace.allowedOrigins.length > 0) next.set(workspace.id, new Set(workspace.allowedOrigins));
      else next.delete(workspace.id);
      this.use(next);
    });
  }

  /** Loaded before the application serves; a failed load keeps the origins in memory. */
  @Job({ name: ORIGINS_JOB, scope: 'instance', everyMs: 30_000, beforeServing: true })
  async reload(): Promise<void> {
    const generation = this.generation;
    const rows = await this.unitOfWork.run(
      () =>
        sqlRows<{ id: string; allowed_origins: string[] }>(
          this.unitOfWork.manager,
          `SELECT id, allowed_origins FROM workspaces WHERE status = 'active' AND cardinality(allowed_origins) > 0`,
        ),
      { principal: ORIGINS_READER },
    );
    if (generation !== this.generation) return; // a local change landed meanwhile; the next reload catches up
    this.use(new Map(rows.map((row) => [row.id, new Set(row.allowed_origins)])));
  }

  private use(byWorkspace: Map<string, ReadonlySet<string>>): void {
    this.byWorkspace = byWorkspace;
    this.anyWorkspace = new Set([...byWorkspace.values()].flatMap((origins) => [...origins]));
  }
}
