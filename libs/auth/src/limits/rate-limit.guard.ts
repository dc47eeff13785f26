import { ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyAttemptsException } from './rate-limit.exceptions';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** @nestjs/throttler's guard with the standard `RateLimit-*` header names and our 429 problem. */
export abstract class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';
  protected abstract readonly refusal: string;

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyAttemptsException(detail.timeToBlockExpire, this.refusal);
  }
}
