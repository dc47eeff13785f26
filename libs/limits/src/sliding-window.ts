import type { ThrottlerStorage } from '@nestjs/throttler';

/** What @nestjs/throttler's guard reads from a storage (the type is not exported by name). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One counter of a sliding-window limit: the hits of the current fixed window, those of
 * the window before it, and a block. The count at `now` weighs the previous window by
 * the part of it still inside the sliding window (the usual sliding-window counter): at
 * most `limit` hits in any fixed window and, because the previous window is assumed
 * evenly spread, at most about twice that in an unlucky `windowMs`-long span; O(1)
 * memory per counter (the Redis storage keeps the same four numbers and runs the same
 * decision in Lua).
 */
export interface WindowState {
  readonly windowStart: number;
  readonly previous: number;
  readonly current: number;
  readonly blockedUntil: number;
}

export interface WindowDecision {
  readonly state: WindowState;
  readonly allowed: boolean;
}

const EMPTY: WindowState = { windowStart: 0, previous: 0, current: 0, blockedUntil: 0 };

/** The state moved to the fixed window holding `now`. */
export function roll(state: WindowState | undefined, now: number, windowMs: number): WindowState {
  const start = now - (now % windowMs);
  const from = state ?? EMPTY;
  if (from.windowStart === start) return from;
  const previous = from.windowStart === start - windowMs ? from.current : 0;
  return { windowStart: start, previous, current: 0, blockedUntil: from.blockedUntil };
}

/** Hits inside the sliding window ending at `now`. */
export function weightedCount(state: WindowState, now: number, windowMs: number): number {
  return state.previous * (1 - (now - state.windowStart) / windowMs) + state.current;
}

/**
 * Counts one hit when it fits under `limit`. A hit that does not fit is refused and not
 * counted; with `blockMs` > 0 it also blocks the counter for that long (attempt budgets:
 * the refusal is a penalty), otherwise the caller may retry as soon as room frees up.
 */
export function decide(stored: WindowState | undefined, now: number, windowMs: number, limit: number, blockMs: number): WindowDecision {
  const state = roll(stored, now, windowMs);
  if (state.blockedUntil > now) return { state, allowed: false };
  if (weightedCount(state, now, windowMs) + 1 > limit) {
    return { state: { ...state, blockedUntil: blockMs > 0 ? now + blockMs : 0 }, allowed: false };
  }
  return { state: { ...state, current: state.current + 1, blockedUntil: 0 }, allowed: true };
}

/** How long until one more hit fits (0 when it already does). */
export function msUntilRoom(state: WindowState, now: number, windowMs: number, limit: number): number {
  if (state.blockedUntil > now) return state.blockedUntil - now;
  const room = limit - 1;
  if (weightedCount(state, now, windowMs) <= room) return 0;
  const windowEnd = state.windowStart + windowMs;
  // Within this window only the previous window's share shrinks.
  if (state.current <= room && state.previous > 0) {
    const at = state.windowStart + windowMs * (1 - (room - state.current) / state.previous);
    return Math.max(Math.ceil(at - now), 1);
  }
  // Otherwise this window's hits become the previous ones and shrink in the next.
  if (room <= 0 || state.current === 0) return windowEnd + windowMs - now;
  const at = windowEnd + windowMs * (1 - room / state.current);
  return Math.max(Math.ceil(at - now), 1);
}

/** The decision as @nestjs/throttler reads it (seconds; `totalHits` drives the `RateLimit` field's `r`). */
export function toThrottlerRecord(decision: WindowDecision, now: number, windowMs: number, limit: number): ThrottlerStorageRecord {
  const { state, allowed } = decision;
  const used = Math.ceil(weightedCount(state, now, windowMs) - 1e-9);
  return {
    totalHits: allowed ? used : Math.max(used, limit) + 1,
    timeToExpire: Math.max(Math.ceil((state.windowStart + windowMs - now) / 1000), 1),
    isBlocked: !allowed,
    timeToBlockExpire: allowed ? 0 : Math.max(Math.ceil(msUntilRoom(state, now, windowMs, limit) / 1000), 1),
  };
}
