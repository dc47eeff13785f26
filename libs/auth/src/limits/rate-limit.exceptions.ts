import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/** A 429 whose retry delay the problem filter sends as `Retry-After`. */
export class TooManyAttemptsException extends HttpException {
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
export class RateLimitsUnavailableException extends ServiceUnavailableException {
  readonly retryAfterSeconds = 1;

  constructor() {
    super({ code: 'RATE_LIMITS_UNAVAILABLE', detail: 'Request limits cannot be checked right now. Retry shortly.' });
  }
}
