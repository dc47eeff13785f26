import { OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Job } from '@ringfence/tenancy';
import { LimitProblems } from './limit.problems';
import { decide, ThrottlerStorageRecord, toThrottlerRecord, WindowState } from './sliding-window';

interface Entry {
  state: WindowState;
  /** When the entry says nothing any more: two windows on, and past any block. */
  staleAt: number;
}

/** About 40 MB of counters; clients choose the keys (addresses, emails), so there is a ceiling. */
const MEMORY_COUNTER_CAPACITY = 200_000;
/** At capacity, this share of the counters is evicted at once, so a flood does not evict one at a time. */
const EVICTION_SHARE = 0.01;

/**
 * Sliding-window counters in this process's memory: the limits hold for one instance.
 * With REDIS_URL set the application swaps in the Redis storage, same decision, shared.
 *
 * Clients choose the keys, so the map has a ceiling. At it, after sweeping what is stale,
 * the least recently used counters that are not blocked make room; a blocked counter is
 * never dropped (a locked-out account or address stays locked out), and only a map full
 * of blocked counters refuses (503). Refusing at the ceiling instead, as a first version
 * did, let anyone who filled the map with fresh emails and addresses answer 503 to every
 * new client; evicting partly-spent counters hands back at most a partial budget, at the
 * price of ~200,000 requests that the per-address limits spread over many addresses.
 */
export class MemoryRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private lastFullSweep = 0;

  constructor(private readonly capacity = MEMORY_COUNTER_CAPACITY) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit, blockDuration));
  }

  hit(key: string, windowMs: number, limit: number, blockMs: number, now = Date.now()): ThrottlerStorageRecord {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) this.makeRoom(now);
    const decision = decide(this.entries.get(key)?.state, now, windowMs, limit, blockMs);
    const { state } = decision;
    // Delete first, so the map's order is least recently used first.
    this.entries.delete(key);
    this.entries.set(key, { state, staleAt: Math.max(state.windowStart + 2 * windowMs, state.blockedUntil) });
    return toThrottlerRecord(decision, now, windowMs, limit);
  }

  /**
   * A full map sweeps at most once a second (a sweep walks every counter), then evicts the
   * least recently used unblocked counters; refuses only when every counter is blocked.
   */
  private makeRoom(now: number): void {
    if (now - this.lastFullSweep >= 1000) {
      this.lastFullSweep = now;
      this.sweep(now);
    }
    if (this.entries.size < this.capacity) return;
    let evict = Math.max(1, Math.ceil(this.capacity * EVICTION_SHARE));
    for (const [key, entry] of this.entries) {
      if (entry.state.blockedUntil > now) continue;
      this.entries.delete(key);
      if (--evict === 0) return;
    }
    if (this.entries.size >= this.capacity) throw LimitProblems.RATE_LIMITS_UNAVAILABLE();
  }

  sweep(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.staleAt <= now) this.entries.delete(key);
  }

  /** An instance job touching this process's memory only (no database, no principal): the counters are this instance's. */
  @Job({ name: 'rate-limit-sweep', scope: 'instance', everyMs: 60_000 })
  sweepTurn(): Promise<void> {
    this.sweep();
    return Promise.resolve();
  }

  get size(): number {
    return this.entries.size;
  }

  onApplicationShutdown(): void {
    this.entries.clear();
  }
}
