import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/** An error that knows when to try again: the problem filter sends it as `Retry-After`. */
export interface RetryLater {
  readonly retryAfterSeconds: number;
}

export function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as Partial<RetryLater> | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * An error that answers a state already reported elsewhere (readiness, the outage's own
 * log line): the problem filter does not log it again for every request it refuses.
 */
export interface ReportedState {
  readonly reportedState: true;
}

export function isReportedState(error: unknown): boolean {
  return (error as Partial<ReportedState> | null)?.reportedState === true;
}

/** A 429 whose retry delay the problem filter sends as `Retry-After`. */
export class TooManyAttemptsException extends HttpException implements RetryLater {
  constructor(
    readonly retryAfterSeconds: number,
    detail = 'Too many attempts. Retry later.',
  ) {
    super({ code: 'RATE_LIMITED', detail }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * The shared counters (Redis) cannot be reached: a limited route fails closed rather
 * than serve without its limit. Readiness reports the same outage.
 */
export class RateLimitsUnavailableException extends ServiceUnavailableException implements RetryLater, ReportedState {
  readonly retryAfterSeconds = 1;
  readonly reportedState = true;

  constructor() {
    super({ code: 'RATE_LIMITS_UNAVAILABLE', detail: 'Request limits cannot be checked right now. Retry shortly.' });
  }
}
