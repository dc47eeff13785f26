import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import { UnitOfWork } from '@ringfence/tenancy';
import { createHash } from 'node:crypto';
import { ExpiringMap } from './expiring-map';
import { LimitProblems } from './limit.problems';

/** A budget of attempts per key and window; spending it blocks the key for `blockMs`. */
export interface AttemptBudget {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly blockMs: number;
  /** The subject is a client address: IPv6 addresses count per /64, as in the per-address request limit. */
  readonly perAddress?: boolean;
}

const MINUTE = 60_000;
export const ATTEMPT_BUDGETS = {
  /** Per client IP: password guesses from one address. */
  loginPerIp: { name: 'login-ip', limit: 20, windowMs: MINUTE, blockMs: 5 * MINUTE, perAddress: true },
  /** Per account, whatever the IP: an attacker rotating addresses still runs out here. */
  loginPerAccount: { name: 'login-account', limit: 10, windowMs: 15 * MINUTE, blockMs: 15 * MINUTE },
  mfaPerIp: { name: 'mfa-ip', limit: 20, windowMs: MINUTE, blockMs: 5 * MINUTE, perAddress: true },
  secondFactorPerAdmin: { name: 'second-factor-admin', limit: 5, windowMs: 5 * MINUTE, blockMs: 15 * MINUTE },
  passwordPerAdmin: { name: 'password-admin', limit: 5, windowMs: 15 * MINUTE, blockMs: 15 * MINUTE },
  forgotPerIp: { name: 'forgot-ip', limit: 5, windowMs: MINUTE, blockMs: 5 * MINUTE, perAddress: true },
  /** Per email, known or not: nobody's mailbox is flooded with reset links from rotating addresses. */
  forgotPerAccount: { name: 'forgot-account', limit: 3, windowMs: 60 * MINUTE, blockMs: 60 * MINUTE },
  resetPerIp: { name: 'reset-ip', limit: 10, windowMs: MINUTE, blockMs: 5 * MINUTE, perAddress: true },
  /** Refused refreshes per client IP (a refresh that succeeds spends nothing: a neighbour cannot sign admins out). */
  refreshPerIp: { name: 'refresh-ip', limit: 60, windowMs: MINUTE, blockMs: MINUTE, perAddress: true },
  /**
   * Successful rotations per admin session (its id): a family that rotates faster than any
   * console or CLI would (a stolen token in a loop) is answered 429 for a minute. Charged on success.
   */
  rotationsPerSession: { name: 'rotations-session', limit: 10, windowMs: MINUTE, blockMs: MINUTE },
  /**
   * Re-issues of one spent refresh token within the reuse grace (15 s; keyed by its hash): three
   * reloads that lost their answers are forgiven, a fourth is refused (the family is left alone).
   */
  reissuesPerToken: { name: 'reissues-token', limit: 3, windowMs: 15_000, blockMs: 15_000 },
  /** Refused API keys per client IP; past it, that address gets the 401 even with a good key for a while. */
  apiKeyFailuresPerIp: { name: 'api-key-failures-ip', limit: 30, windowMs: MINUTE, blockMs: 5 * MINUTE, perAddress: true },
} as const satisfies Record<string, AttemptBudget>;

/**
 * Counts authentication attempts in the rate limits' storage (the @nestjs/throttler
 * storage port): in memory for one instance, in Redis when REDIS_URL is set.
 * Keys are hashed: an email address never sits in the limiter's memory.
 */
@Injectable()
export class AttemptLimiter {
  /** Blocked keys whose first refusal was already reported, until the block ends: a flood is audited once. */
  private readonly reported = new ExpiringMap<string, true>();
  /** Keys whose budget the last attempt filled (no room for one more), until its window ends: the next attempt is the refusal. */
  private readonly full = new ExpiringMap<string, true>();

  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Is `subject` serving a block on `budget` (seen by this instance)? Spends nothing; free while nothing is blocked. */
  isBlocked(budget: AttemptBudget, subject: string, now = Date.now()): boolean {
    return this.reported.size > 0 && this.reported.get(this.keyOf(budget, subject), now) !== undefined;
  }

  /**
   * Is `subject` blocked on `budget`, or did its last attempt fill it, so that the next one is
   * refused (seen by this instance)? Spends nothing. A caller that must not reach the database
   * for an address that will be refused anyway asks this first, and then `enforce`s: the 429
   * (and its audit, the first of the block) without the read the attempt would have cost.
   */
  isSpent(budget: AttemptBudget, subject: string, now = Date.now()): boolean {
    if (this.isBlocked(budget, subject, now)) return true;
    return this.full.size > 0 && this.full.get(this.keyOf(budget, subject), now) !== undefined;
  }

  /**
   * Spends one attempt from each budget; when any is exhausted, throws the 429, after
   * `onFirstRefusal` on the first refusal of the block (the one worth an audit row).
   */
  async enforce(
    charges: [AttemptBudget, string][],
    onFirstRefusal?: () => Promise<void>,
    refusal?: (budget: AttemptBudget, retryAfterSeconds: number) => string,
  ): Promise<void> {
    const limited = await this.spend(...charges);
    if (!limited) return;
    if (limited.firstRefusal) await onFirstRefusal?.();
    const detail = refusal?.(limited.budget, limited.retryAfterSeconds);
    throw LimitProblems.RATE_LIMITED({ retryAfterSeconds: limited.retryAfterSeconds, ...(detail ? { detail } : {}) });
  }

  /**
   * Spends one attempt from each budget in turn, stopping at the first exhausted one (list
   * the client address first): a refused request makes no counter for the email it names,
   * so a flood from a spent address cannot fill the limiter with fresh keys. Null while
   * none is exhausted, else the retry delay and whether this is the first refusal of the
   * block (the one worth an audit row), and the exhausted budget.
   */
  async spend(
    ...charges: [AttemptBudget, string][]
  ): Promise<{ retryAfterSeconds: number; firstRefusal: boolean; budget: AttemptBudget } | null> {
    // Spent attempts stay spent: a unit of work that spends one is not run again on a conflict.
    this.unitOfWork.markIrreversible();
    let retryAfterSeconds = 0;
    let firstRefusal = false;
    let exhausted: AttemptBudget | undefined;
    const now = Date.now();
    for (const [budget, subject] of charges) {
      const key = this.keyOf(budget, subject);
      const record = await this.storage.increment(key, budget.windowMs, budget.limit, budget.blockMs, budget.name);
      if (!record.isBlocked) {
        if (record.totalHits >= budget.limit) this.full.set(key, true, now + Math.max(record.timeToExpire, 1) * 1000);
        continue;
      }
      const seconds = Math.max(record.timeToBlockExpire, 1);
      retryAfterSeconds = Math.max(retryAfterSeconds, seconds);
      exhausted = budget;
      if (this.reported.get(key, now) === undefined) {
        firstRefusal = true;
        this.reported.set(key, true, now + seconds * 1000);
      }
      break;
    }
    return exhausted ? { retryAfterSeconds, firstRefusal, budget: exhausted } : null;
  }

  private keyOf(budget: AttemptBudget, subject: string): string {
    const counted = budget.perAddress ? normalizeIp(subject) : subject;
    return `auth:${budget.name}:${createHash('sha256').update(counted).digest('base64url')}`;
  }
}
