import fc from 'fast-check';
import { MemoryRateLimitStorage } from './memory-rate-limit.storage';
import { decide, msUntilRoom, roll, WindowState } from './sliding-window';

const WINDOW = 60_000;

/** Feeds hits at the given times through `decide`, keeping the state like a storage does. */
function run(times: number[], limit: number, blockMs = 0): { at: number; allowed: boolean; state: WindowState }[] {
  let state: WindowState | undefined;
  return times.map((at) => {
    const decision = decide(state, at, WINDOW, limit, blockMs);
    state = decision.state;
    return { at, allowed: decision.allowed, state: decision.state };
  });
}

const hitTimes = fc
  .array(fc.integer({ min: 0, max: 5 * WINDOW }), { minLength: 1, maxLength: 300 })
  .map((times) => times.sort((a, b) => a - b));

describe('sliding-window limit', () => {
  it('admits exactly `limit` hits in a burst and refuses the next without counting it', () => {
    const outcomes = run(
      Array.from({ length: 12 }, () => 1_000),
      10,
    );
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
    expect(outcomes.slice(10).every((outcome) => !outcome.allowed)).toBe(true);
    expect(outcomes.at(-1)!.state.current).toBe(10);
  });

  it('never admits more than `limit` hits within any fixed window (property)', () => {
    fc.assert(
      fc.property(hitTimes, fc.integer({ min: 1, max: 50 }), (times, limit) => {
        const allowed = run(times, limit).filter((outcome) => outcome.allowed);
        const perWindow = new Map<number, number>();
        for (const { at } of allowed) perWindow.set(Math.floor(at / WINDOW), (perWindow.get(Math.floor(at / WINDOW)) ?? 0) + 1);
        return [...perWindow.values()].every((count) => count <= limit);
      }),
    );
  });

  it('never admits more than twice `limit` across any window-long span, previous window included (property)', () => {
    fc.assert(
      fc.property(hitTimes, fc.integer({ min: 1, max: 50 }), (times, limit) => {
        const allowed = run(times, limit)
          .filter((outcome) => outcome.allowed)
          .map((outcome) => outcome.at);
        return allowed.every((start) => allowed.filter((at) => at >= start && at < start + WINDOW).length <= limit * 2);
      }),
    );
  });

  it('says when there is room again: a hit fits at that moment and not a millisecond before (property)', () => {
    fc.assert(
      fc.property(hitTimes, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: WINDOW }), (times, limit, later) => {
        const last = run(times, limit).at(-1)!;
        const now = last.at + later;
        const wait = msUntilRoom(roll(last.state, now, WINDOW), now, WINDOW, limit);
        if (!decide(last.state, now + wait, WINDOW, limit, 0).allowed) return false;
        return wait <= 1 || !decide(last.state, now + wait - 2, WINDOW, limit, 0).allowed;
      }),
    );
  });

  it('with a block duration, a refusal blocks the counter for that long, however quiet the caller stays', () => {
    const [, , refused] = run([0, 0, 0], 2, 300_000);
    expect(refused!.allowed).toBe(false);
    expect(decide(refused!.state, 299_999, WINDOW, 2, 300_000).allowed).toBe(false);
    expect(decide(refused!.state, 300_000, WINDOW, 2, 300_000).allowed).toBe(true);
  });

  it('forgets a window that is two windows old', () => {
    const [full] = run([0], 1);
    expect(decide(full!.state, 30_000, WINDOW, 1, 0).allowed).toBe(false);
    expect(decide(full!.state, 2 * WINDOW, WINDOW, 1, 0).allowed).toBe(true);
  });
});

describe('MemoryRateLimitStorage', () => {
  it('answers as @nestjs/throttler reads it: hits, seconds to reset, block and Retry-After seconds', () => {
    const storage = new MemoryRateLimitStorage();
    const first = storage.hit('k', WINDOW, 2, 0, 10_000);
    storage.hit('k', WINDOW, 2, 0, 10_000);
    const refused = storage.hit('k', WINDOW, 2, 0, 10_000);
    storage.onApplicationShutdown();
    expect(first).toEqual({ totalHits: 1, timeToExpire: 50, isBlocked: false, timeToBlockExpire: 0 });
    expect(refused.isBlocked).toBe(true);
    expect(refused.totalHits).toBe(3);
    // Both hits sit in this window: room comes when they start to slide out of the next one.
    expect(refused.timeToBlockExpire).toBe(80);
  });

  it('at capacity, drops the least recently used unblocked counter, never a blocked one, and refuses only when all are blocked', () => {
    const storage = new MemoryRateLimitStorage(3);
    // 'locked' is blocked for ten windows; 'a' and 'b' are partly spent.
    storage.hit('locked', WINDOW, 1, 10 * WINDOW, 0);
    expect(storage.hit('locked', WINDOW, 1, 10 * WINDOW, 0).isBlocked).toBe(true);
    storage.hit('a', WINDOW, 5, 0, 10);
    storage.hit('b', WINDOW, 5, 0, 20);
    storage.hit('a', WINDOW, 5, 0, 30); // a is now more recent than b
    expect(storage.hit('c', WINDOW, 5, 0, 40).isBlocked).toBe(false);
    expect(storage.size).toBe(3);
    // b went (least recently used); a kept its count; locked is still locked.
    expect(storage.hit('a', WINDOW, 5, 0, 50).totalHits).toBe(3);
    expect(storage.hit('locked', WINDOW, 1, 10 * WINDOW, 60).isBlocked).toBe(true);
    expect(storage.hit('b', WINDOW, 5, 0, 70).totalHits).toBe(1);
    storage.onApplicationShutdown();

    const full = new MemoryRateLimitStorage(2);
    for (const key of ['x', 'y']) {
      full.hit(key, WINDOW, 1, 10 * WINDOW, 0);
      full.hit(key, WINDOW, 1, 10 * WINDOW, 0);
    }
    expect(() => full.hit('z', WINDOW, 5, 0, 1_000)).toThrow(expect.objectContaining({ name: 'Problem', code: 'RATE_LIMITS_UNAVAILABLE' }));
    // Once the blocks are over and the counters stale, the sweep makes room.
    expect(full.hit('z', WINDOW, 5, 0, 12 * WINDOW).isBlocked).toBe(false);
    full.onApplicationShutdown();
  });

  it('sweeps counters that say nothing any more', () => {
    const storage = new MemoryRateLimitStorage();
    storage.hit('old', WINDOW, 5, 0, 0);
    storage.hit('blocked', WINDOW, 0, 10 * WINDOW, 0);
    storage.hit('recent', WINDOW, 5, 0, 3 * WINDOW);
    storage.sweep(3 * WINDOW);
    expect(storage.size).toBe(2);
    storage.onApplicationShutdown();
  });
});
