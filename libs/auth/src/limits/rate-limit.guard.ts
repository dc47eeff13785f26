import { ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyAttemptsException } from './rate-limit.exceptions';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** @nestjs/throttler's guard with the standard `RateLimit-*` header names and our 429 problem. */
export abstract class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';
  protected abstract readonly refusal: string;

  /** The refusal's headers name the exhausted limit, whichever it was (an earlier guard may have stated another). */
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const { res } = this.getRequestResponse(context);
    this.setResponseHeader(res, `${this.headerPrefix}-Limit`, detail.limit);
    this.setResponseHeader(res, `${this.headerPrefix}-Remaining`, 0);
    this.setResponseHeader(res, `${this.headerPrefix}-Reset`, detail.timeToBlockExpire);
    throw new TooManyAttemptsException(detail.timeToBlockExpire, this.refusal);
  }
}
