import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { ReportedState, RetryLater } from '@ringfence/problems';

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
