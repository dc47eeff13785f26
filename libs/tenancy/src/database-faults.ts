import { Injectable, Logger } from '@nestjs/common';
import { Problem } from '@ringfence/problems';
import { DatabaseProblems } from './database.problems';

/**
 * What a failed database call means for its caller: `conflict`, the transaction lost to a
 * concurrent one (serialization failure, deadlock) and may simply be run again;
 * `unavailable`, the database cannot serve right now (unreachable, connection lost,
 * shutting down, out of connections, a statement or lock wait past its timeout).
 */
export type DatabaseFaultKind = 'conflict' | 'unavailable';

export interface DatabaseFault {
  readonly kind: DatabaseFaultKind;
  /** For logs: what happened, with its SQLSTATE or system error code. */
  readonly reason: string;
}

const SQLSTATES: Readonly<Record<string, DatabaseFault>> = {
  '40001': { kind: 'conflict', reason: 'serialization failure (40001)' },
  '40P01': { kind: 'conflict', reason: 'deadlock (40P01)' },
  '57P01': { kind: 'unavailable', reason: 'connection terminated by the server (57P01)' },
  '57P02': { kind: 'unavailable', reason: 'server crashed (57P02)' },
  '57P03': { kind: 'unavailable', reason: 'server cannot connect now (57P03)' },
  '57P05': { kind: 'unavailable', reason: 'idle session timeout (57P05)' },
  '25P03': { kind: 'unavailable', reason: 'idle-in-transaction timeout (25P03)' },
  '57014': { kind: 'unavailable', reason: 'statement timeout or cancel (57014)' },
  '55P03': { kind: 'unavailable', reason: 'lock timeout (55P03)' },
  // What a demoted primary or a hot standby answers a write after a failover.
  '25006': { kind: 'unavailable', reason: 'database is read-only (25006)' },
  '3D000': { kind: 'unavailable', reason: 'database does not exist (3D000)' },
};
/**
 * SQLSTATE classes: 08 connection exception, 28 invalid authorization (expired or rotated
 * credentials), 53 insufficient resources (53300: too many connections), 57 operator
 * intervention, 58 system error (I/O).
 */
const SQLSTATE_CLASSES: Readonly<Record<string, string>> = {
  '08': 'connection exception',
  '28': 'invalid authorization',
  '53': 'insufficient resources',
  '57': 'operator intervention',
  '58': 'system error',
};
/** The process's own limits count too: out of file descriptors, no local port left. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EMFILE',
  'ENFILE',
  'EADDRNOTAVAIL',
]);
/** node-postgres and pg-pool say these in words only. */
const DRIVER_MESSAGES: readonly [RegExp, string][] = [
  [/^timeout exceeded when trying to connect/i, 'pool acquire timeout'],
  [/^Connection terminated due to connection timeout/i, 'connect timeout'],
  [/^timeout expired/i, 'connect timeout'],
  [/^Connection terminated/i, 'connection terminated'],
  [/is not queryable/i, 'connection lost'],
  [/^Cannot use a pool after calling end/i, 'pool closed'],
];

/** The fault `error` stands for, looking through TypeORM's and Node's wrappers; undefined for any other error. */
export function databaseFaultOf(error: unknown): DatabaseFault | undefined {
  return faultOf(error, 0);
}

function faultOf(error: unknown, depth: number): DatabaseFault | undefined {
  if (error === null || typeof error !== 'object' || depth > 4) return undefined;
  if (error instanceof DatabaseFaultError) return error.fault;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    const known = SQLSTATES[code];
    if (known) return known;
    if (/^[0-9A-Z]{5}$/.test(code) && SQLSTATE_CLASSES[code.slice(0, 2)])
      return { kind: 'unavailable', reason: `${SQLSTATE_CLASSES[code.slice(0, 2)]} (${code})` };
    if (NETWORK_ERRORS.has(code)) return { kind: 'unavailable', reason: code };
  }
  if (typeof message === 'string') {
    const said = DRIVER_MESSAGES.find(([pattern]) => pattern.test(message));
    if (said) return { kind: 'unavailable', reason: said[1] };
  }
  for (const inner of [driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])]) {
    const fault = faultOf(inner, depth + 1);
    if (fault) return fault;
  }
  return undefined;
}

const { DATABASE_UNAVAILABLE } = DatabaseProblems;

/** The cause of a DATABASE_UNAVAILABLE problem: the fault it answers, and the driver's error beneath. */
export class DatabaseFaultError extends Error {
  constructor(
    readonly fault: DatabaseFault,
    cause?: unknown,
  ) {
    super(fault.reason, cause === undefined ? undefined : { cause });
  }
}

/**
 * The 503 a database fault answers with, `Retry-After` included. It is a reported state:
 * the outage is logged once by DatabaseFaults (a conflict that outlived its retries by the
 * unit of work), never again per request. The fault and the original error ride along as
 * `cause` (databaseFaultOf reads it); no client ever sees them.
 */
export function databaseUnavailable(fault: DatabaseFault, cause?: unknown): Problem {
  return DATABASE_UNAVAILABLE(
    fault.kind === 'conflict'
      ? {
          detail: 'The request kept meeting concurrent changes. Retry shortly.',
          retryAfterSeconds: 1,
          cause: new DatabaseFaultError(fault, cause),
        }
      : { cause: new DatabaseFaultError(fault, cause) },
  );
}

/** A fault is one outage until the database has answered with no fault for this long (no start/end pair per request while faults and answers interleave). */
export const OUTAGE_QUIET_MS = 1000;

/**
 * The database's faults as the application answers and logs them: a failed call becomes
 * the 503 DATABASE_UNAVAILABLE problem; an outage is logged once as it starts (error)
 * and once when the database answers again (info, with how long it lasted and how many
 * calls it refused), never once per request or per job run.
 */
@Injectable()
export class DatabaseFaults {
  private readonly logger = new Logger('Database');
  private outage?: { since: number; lastFaultAt: number; refused: number };

  /** The 503 for a database fault (the outage reported if it starts here); any other error as it is. */
  translate(error: unknown): unknown {
    if (DATABASE_UNAVAILABLE.is(error)) return error;
    const fault = databaseFaultOf(error);
    if (!fault) return error;
    if (fault.kind === 'unavailable') this.refused(fault, error);
    return databaseUnavailable(fault, error);
  }

  /** The database answered: an outage quiet for OUTAGE_QUIET_MS is over. Free while there is none. */
  answered(now = Date.now()): void {
    const outage = this.outage;
    if (!outage || now - outage.lastFaultAt < OUTAGE_QUIET_MS) return;
    this.outage = undefined;
    this.logger.log(
      `database answers again after ${((now - outage.since) / 1000).toFixed(1)} s; ${outage.refused} calls were answered 503 meanwhile`,
    );
  }

  /** Runs `work` (a call on the pool outside a unit of work) with the unit of work's answers to faults. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      throw this.translate(error);
    }
    this.answered();
    return result;
  }

  /** A conflict the unit of work did not get past: one warning per unit of work that gives up, no stack. */
  gaveUp(fault: DatabaseFault, attempts: number, irreversible: boolean): void {
    const why = irreversible ? 'not run again (something outside its transaction had happened)' : `after ${attempts} attempts`;
    this.logger.warn(`${fault.reason}, ${why}; answered 503 ${DATABASE_UNAVAILABLE.code}`);
  }

  private refused(fault: DatabaseFault, error: unknown, now = Date.now()): void {
    if (this.outage) {
      this.outage.lastFaultAt = now;
      this.outage.refused += 1;
      return;
    }
    this.outage = { since: now, lastFaultAt: now, refused: 1 };
    this.logger.error(
      { err: error },
      `database unavailable: ${fault.reason}; answering 503 ${DATABASE_UNAVAILABLE.code} until it answers again`,
    );
  }
}
