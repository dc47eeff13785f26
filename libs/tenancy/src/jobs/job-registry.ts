import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { failureCodeOf } from '../failure-code';
import { logJobFailure } from '../reported-errors';
import { newContextStore, RequestContext } from '../request-context';
import { InstanceRole, JOB_DECLARATION, JobDeclaration, jobPrincipal, JobScope } from './job-declaration';

export interface JobRegistryOptions {
  /** RINGFENCE_ROLE: the one place that decides whether this instance runs the cluster jobs. */
  readonly role: InstanceRole;
  /** How long a stop waits for running turns (and final turns) before it goes on without them. */
  readonly drainTimeoutMs: number;
}
export const JOB_REGISTRY_OPTIONS = Symbol('JOB_REGISTRY_OPTIONS');

/** What an operator sees of one job on this instance (GET /v1/admin/jobs, never the public readiness). Times are ISO 8601; no message, only a code. */
export interface JobStatus {
  readonly name: string;
  readonly scope: JobScope;
  /** This instance runs it on its schedule (cluster jobs: only where RINGFENCE_ROLE is worker or all). */
  readonly runsHere: boolean;
  readonly running: boolean;
  /** Turns finished since boot. */
  readonly runs: number;
  readonly lastStartedAt: string | null;
  readonly lastDurationMs: number | null;
  readonly lastSucceededAt: string | null;
  /** Failed turns since the last one that succeeded. */
  readonly consecutiveFailures: number;
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

type JobTurn = (signal: AbortSignal) => Promise<void>;

interface RegisteredJob {
  readonly declaration: JobDeclaration;
  readonly turn: JobTurn;
  readonly runsHere: boolean;
  timer?: NodeJS.Timeout;
  /** The turn in progress. */
  current?: Promise<void>;
  /** One turn asked for while another runs: it starts when that one ends (asks coalesce). */
  next?: Promise<void>;
  runs: number;
  lastStartedAt?: number;
  lastDurationMs?: number;
  lastSucceededAt?: number;
  consecutiveFailures: number;
  /** Failed turns since boot. */
  failures: number;
  lastError?: { code: string; at: number };
}

/** A job's counters since boot, for the metrics (GET /metrics): no error text, no time of day. */
export interface JobCounters {
  readonly name: string;
  readonly scope: JobScope;
  readonly runsHere: boolean;
  readonly running: boolean;
  readonly runs: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly lastDurationMs: number | null;
  /** Seconds since the epoch of the last turn that succeeded; null before one. */
  readonly lastSucceededAtSeconds: number | null;
}

const JOB_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Every background job of the process, declared with `@Job` on a provider's method and
 * found here: one schedule per job, gated once by the instance's role; a turn never
 * overlaps the previous one of the same job; each turn runs in a context of its own (its
 * system principal, none of a request's state); a failed turn is logged once (unless it is
 * a state reported elsewhere, such as the database's outage), counted, and the job runs
 * again on schedule; a stop waits, bounded, for the turns in progress. docs/adr/0012-background-jobs.md.
 */
@Injectable()
export class JobRegistry implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(JOB_REGISTRY_OPTIONS) private readonly options: JobRegistryOptions,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      // An alias (useExisting) is the same instance under a second token: found once.
      if (!instance || typeof instance !== 'object' || seen.has(instance) || !wrapper.isDependencyTreeStatic()) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype?.[method];
        const declaration =
          typeof handler === 'function' ? (Reflect.getMetadata(JOB_DECLARATION, handler) as JobDeclaration | undefined) : undefined;
        if (declaration) this.register(declaration, (handler as JobTurn).bind(instance));
      }
    }
  }

  /** Boot: turns that must precede serving run now (a failure is logged, not fatal); the rest are scheduled. */
  async onApplicationBootstrap(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (!job.runsHere) continue;
      if (job.declaration.beforeServing) await this.turn(job);
      else this.schedule(job, job.declaration.firstAfterMs ?? job.declaration.everyMs);
    }
  }

  /** Stop: no new turn starts; running ones are told (their signal aborts) and awaited, then each job's final turn runs, all within drainTimeoutMs. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    let bound: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<true>((resolve) => (bound = setTimeout(() => resolve(true), this.options.drainTimeoutMs)));
    const timedOut = await Promise.race([this.drain().then(() => false), gaveUp]);
    clearTimeout(bound);
    if (timedOut) {
      const running = [...this.jobs.values()].filter((job) => job.current !== undefined).map((job) => job.declaration.name);
      this.logger.warn({ jobs: running }, `stopping with job turns still running after ${this.options.drainTimeoutMs} ms`);
    }
  }

  /**
   * A turn of `name` now, on this instance, whatever its role (tests, an operator's
   * command); after the one in progress if there is one. Resolves when it has ended; never
   * rejects (the outcome is in `status()`).
   */
  runNow(name: string): Promise<void> {
    return this.turn(this.job(name));
  }

  /** Asks for an early turn where this instance runs the job (new work was queued); nothing elsewhere. */
  nudge(name: string): void {
    const job = this.job(name);
    if (job.runsHere) void this.turn(job);
  }

  /** The instance's role (RINGFENCE_ROLE): `worker` instances exist to take cluster work. */
  get role(): JobRegistryOptions['role'] {
    return this.options.role;
  }

  /** Whether this instance takes cluster work now: its role runs cluster jobs, and it is not draining for a stop. */
  get claimsClusterWork(): boolean {
    return !this.stopping.signal.aborted && [...this.jobs.values()].some((job) => job.declaration.scope === 'cluster' && job.runsHere);
  }

  status(): JobStatus[] {
    return [...this.jobs.values()].map((job) => ({
      name: job.declaration.name,
      scope: job.declaration.scope,
      runsHere: job.runsHere,
      running: job.current !== undefined,
      runs: job.runs,
      lastStartedAt: isoOrNull(job.lastStartedAt),
      lastDurationMs: job.lastDurationMs ?? null,
      lastSucceededAt: isoOrNull(job.lastSucceededAt),
      consecutiveFailures: job.consecutiveFailures,
      lastError: job.lastError ? { code: job.lastError.code, at: new Date(job.lastError.at).toISOString() } : null,
    }));
  }

  counters(): JobCounters[] {
    return [...this.jobs.values()].map((job) => ({
      name: job.declaration.name,
      scope: job.declaration.scope,
      runsHere: job.runsHere,
      running: job.current !== undefined,
      runs: job.runs,
      failures: job.failures,
      consecutiveFailures: job.consecutiveFailures,
      lastDurationMs: job.lastDurationMs ?? null,
      lastSucceededAtSeconds: job.lastSucceededAt === undefined ? null : job.lastSucceededAt / 1000,
    }));
  }

  private register(declaration: JobDeclaration, turn: JobTurn): void {
    const { name, everyMs, firstAfterMs } = declaration;
    if (!JOB_NAME.test(name)) throw new Error(`job name ${JSON.stringify(name)} is not lower-case words joined by hyphens`);
    if (this.jobs.has(name)) throw new Error(`job ${name} is declared twice`);
    if (
      !Number.isInteger(everyMs) ||
      everyMs < 1 ||
      (firstAfterMs !== undefined && (!Number.isInteger(firstAfterMs) || firstAfterMs < 0))
    ) {
      throw new Error(`job ${name} needs a whole positive everyMs and a whole firstAfterMs of 0 or more`);
    }
    const runsHere = declaration.scope === 'instance' || this.options.role !== 'api';
    this.jobs.set(name, { declaration, turn, runsHere, runs: 0, consecutiveFailures: 0, failures: 0 });
  }

  private job(name: string): RegisteredJob {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job named ${name}`);
    return job;
  }

  private schedule(job: RegisteredJob, delayMs: number): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => void this.turn(job), delayMs).unref();
  }

  /** Starts a turn, or the one turn that follows the turn in progress. Never rejects. */
  private turn(job: RegisteredJob): Promise<void> {
    if (this.stopping.signal.aborted) return job.current ?? Promise.resolve();
    if (job.current) {
      job.next ??= job.current.then(() => {
        job.next = undefined;
        return this.turn(job);
      });
      return job.next;
    }
    clearTimeout(job.timer);
    job.current = this.execute(job).finally(() => {
      job.current = undefined;
      if (job.runsHere && !this.stopping.signal.aborted) this.schedule(job, job.declaration.everyMs);
    });
    return job.current;
  }

  private async execute(job: RegisteredJob): Promise<void> {
    const { name } = job.declaration;
    const started = Date.now();
    job.lastStartedAt = started;
    try {
      // A context of its own: a turn asked for by a request does not act as its caller or join its transaction.
      await RequestContext.run(newContextStore({ principal: jobPrincipal(name) }), () => job.turn(this.stopping.signal));
      job.consecutiveFailures = 0;
      job.lastSucceededAt = Date.now();
    } catch (error) {
      job.consecutiveFailures += 1;
      job.failures += 1;
      const code = failureCodeOf(error);
      job.lastError = { code, at: Date.now() };
      logJobFailure(this.logger, error, `job ${name} failed`, { job: name, errorCode: code, consecutiveFailures: job.consecutiveFailures });
    } finally {
      job.runs += 1;
      job.lastDurationMs = Date.now() - started;
    }
  }

  /**
   * Each job's turn in progress, then its final turn; every job on its own, so a turn that
   * outlasts the drain (a mail server that stalls) keeps no other job from its final turn
   * (the API-key usage noted in memory). Resolves when all have ended.
   */
  private async drain(): Promise<void> {
    await Promise.all(
      [...this.jobs.values()].map(async (job) => {
        await job.current;
        if (!job.runsHere || !job.declaration.finalTurnOnShutdown) return;
        job.current = this.execute(job).finally(() => (job.current = undefined));
        await job.current;
      }),
    );
  }
}

function isoOrNull(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : new Date(epochMs).toISOString();
}
