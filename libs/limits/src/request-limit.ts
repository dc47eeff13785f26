import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { mergeRouteConfig } from '@ringfence/access';
import { RequestContext } from '@ringfence/tenancy';
import type { FastifyReply } from 'fastify';
import { LimitProblems } from './limit.problems';
import { RATE_LIMIT_OPTIONS, RateLimitOptions } from './rate-limit.options';
import type { ThrottlerStorageRecord } from './sliding-window';

export const RATE_LIMIT_WINDOW_MS = 60_000;

export const SKIP_RATE_LIMITS = 'ringfence:skip-rate-limits';

/**
 * The route is never limited: health probes come from the platform, often from one
 * address. In the Fastify route config, which both limits read as the request runs (the
 * Nest metadata is for the route inventory).
 */
export const SkipRateLimits = (): MethodDecorator => (target, key, descriptor) => {
  SetMetadata(SKIP_RATE_LIMITS, true)(target, key, descriptor);
  mergeRouteConfig(descriptor.value as object, { skipRateLimits: true });
};

/** Whether a Fastify route config says `@SkipRateLimits()`. */
export function skipsRateLimits(routeConfig: unknown): boolean {
  return (routeConfig as { skipRateLimits?: unknown } | undefined)?.skipRateLimits === true;
}

/** One limit a request is counted against, over a sliding RATE_LIMIT_WINDOW_MS. */
export interface LimitCharge extends LimitHit {
  /** This limit is the one the `RateLimit` and `RateLimit-Policy` headers of an admitted request state. */
  readonly stated: boolean;
  /** The policy's name in the `RateLimit` and `RateLimit-Policy` headers: `ip`, `key`, `workspace`. */
  readonly policy: string;
}

/** One counter to charge and its limit. */
export interface LimitHit {
  readonly key: string;
  readonly limit: number;
}

/** Optional storage capabilities beyond the throttler contract. */
interface StorageShortcuts {
  /** Answers at once (the in-memory storage): no promise on the hot path. */
  hit(key: string, windowMs: number, limit: number, blockMs: number): ThrottlerStorageRecord;
  /** Several counters in turn in one round trip, up to the first refusal (Redis). */
  incrementAll(hits: readonly LimitHit[], windowMs: number, blockMs: number): Promise<ThrottlerStorageRecord[]>;
}

/**
 * Counts a request against its limits in the @nestjs/throttler storage (memory or Redis)
 * and answers 429 with `Retry-After`, `RateLimit` and `RateLimit-Policy` naming the
 * exhausted limit. Not @nestjs/throttler's ThrottlerGuard: measured here, its per-throttler
 * metadata look-ups and awaits halved the throughput of a key-authenticated route
 * (docs/adr/0006); the storage, its contract and its sliding-window decision are shared.
 * Not a Nest guard either: the HTTP boundary charges L1 as the request arrives and L2
 * right after the access gate, skipping routes whose config says `@SkipRateLimits()`.
 */
@Injectable()
export abstract class RequestLimit {
  // Injected once here for both levels: the subclasses declare no constructor.
  constructor(
    @Inject(RATE_LIMIT_OPTIONS) protected readonly options: RateLimitOptions,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    protected readonly context: RequestContext,
  ) {}

  protected abstract readonly refusal: string;

  /** The limits this request is counted against; none: not concerned. */
  protected abstract chargesFor(): readonly LimitCharge[];

  /** Counts the current request against its limits; throws the 429 once one is spent. */
  charge(reply: FastifyReply): boolean | Promise<boolean> {
    return this.chargeAll(this.chargesFor(), reply);
  }

  /** Counts a request against `charges`; throws the 429 once one is spent. */
  protected chargeAll(charges: readonly LimitCharge[], reply: FastifyReply): boolean | Promise<boolean> {
    if (charges.length === 0) return true;
    const storage = this.storage as ThrottlerStorage & Partial<StorageShortcuts>;
    if (typeof storage.hit === 'function') {
      for (const charge of charges) this.settle(charge, storage.hit(charge.key, RATE_LIMIT_WINDOW_MS, charge.limit, 0), reply);
      return true;
    }
    if (typeof storage.incrementAll === 'function') return this.chargeTogether(storage.incrementAll.bind(storage), charges, reply);
    return this.chargeInTurn(charges, reply);
  }

  private async chargeTogether(
    incrementAll: StorageShortcuts['incrementAll'],
    charges: readonly LimitCharge[],
    reply: FastifyReply,
  ): Promise<boolean> {
    const records = await incrementAll(charges, RATE_LIMIT_WINDOW_MS, 0);
    records.forEach((record, index) => this.settle(charges[index]!, record, reply));
    return true;
  }

  private async chargeInTurn(charges: readonly LimitCharge[], reply: FastifyReply): Promise<boolean> {
    for (const charge of charges) {
      this.settle(charge, await this.storage.increment(charge.key, RATE_LIMIT_WINDOW_MS, charge.limit, 0, 'request'), reply);
    }
    return true;
  }

  private settle(charge: LimitCharge, record: ThrottlerStorageRecord, reply: FastifyReply): void {
    if (record.isBlocked) {
      // The refusal names the exhausted limit, whichever it was (an earlier limit may have stated another).
      stateLimit(reply, charge, 0, record.timeToBlockExpire);
      throw LimitProblems.RATE_LIMITED({ retryAfterSeconds: record.timeToBlockExpire, detail: this.refusal });
    }
    if (charge.stated) stateLimit(reply, charge, Math.max(charge.limit - record.totalHits, 0), record.timeToExpire);
  }
}

/**
 * The IETF draft's fields ("RateLimit header fields for HTTP", draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "<policy>";q=<quota>;w=<window seconds>` and `RateLimit: "<policy>";r=<remaining>;t=<seconds>`,
 * `t` being when the sliding window frees a request (on a refusal: the `Retry-After`). A later statement replaces an earlier one.
 */
export function stateLimit(
  reply: FastifyReply,
  limit: { readonly policy: string; readonly limit: number; readonly windowSeconds?: number },
  remaining: number,
  resetSeconds: number,
): void {
  void reply
    .header('ratelimit-policy', `"${limit.policy}";q=${limit.limit};w=${limit.windowSeconds ?? RATE_LIMIT_WINDOW_MS / 1000}`)
    .header('ratelimit', `"${limit.policy}";r=${remaining};t=${Math.max(resetSeconds, 0)}`);
}
