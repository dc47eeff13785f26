import { SetMetadata } from '@nestjs/common';
import type { Principal } from '../principal';

/**
 * Where a job runs. `cluster`: work for the whole deployment (the database's rows), run on
 * the instances whose RINGFENCE_ROLE is `worker` or `all`, and safe on several of them at
 * once (each claims its rows or takes its lock). `instance`: this process's own state (a
 * cache, counters in memory), run on every instance whatever its role.
 */
export type JobScope = 'cluster' | 'instance';

/** The instance roles (RINGFENCE_ROLE): `api` serves requests only, `worker` runs the cluster jobs, `all` both. */
export type InstanceRole = 'api' | 'worker' | 'all';

export interface JobDeclaration {
  /** Unique; also the system principal a turn acts as (`system:<name>`, see jobPrincipal). */
  readonly name: string;
  readonly scope: JobScope;
  /** From the end of one turn to the start of the next: a turn never overlaps the previous one. */
  readonly everyMs: number;
  /** From boot to the first turn (default: everyMs). */
  readonly firstAfterMs?: number;
  /** The first turn runs during boot, before the application serves (a cache that must be warm). */
  readonly beforeServing?: boolean;
  /** One more turn while the application stops, after the last one has finished (state held in memory). */
  readonly finalTurnOnShutdown?: boolean;
}

export const JOB_DECLARATION = Symbol('JOB_DECLARATION');

/**
 * Declares the method as a background job's turn: `(signal) => Promise<void>`, where
 * `signal` aborts when the application stops (a turn of many steps stops between two).
 * The JobRegistry finds it on any provider, schedules it as the instance's role allows,
 * and runs each turn in a context of its own whose principal is `jobPrincipal(name)`.
 */
export const Job = (declaration: JobDeclaration): MethodDecorator => SetMetadata(JOB_DECLARATION, declaration);

/** The system principal a job acts as: what its units of work set as `app.actor` and its audit rows name. */
export function jobPrincipal(name: string): Principal {
  return { kind: 'system', process: name };
}
