import { OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitsUnavailableException } from './rate-limit.exceptions';
import { decide, ThrottlerStorageRecord, toThrottlerRecord, WindowState } from './sliding-window';

interface Entry {
  state: WindowState;
  /** When the entry says nothing any more: two windows on, and past any block. */
  staleAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;
/** About 40 MB of counters; clients choose the keys (addresses, emails), so there is a ceiling. */
const MEMORY_COUNTER_CAPACITY = 200_000;

/**
 * Sliding-window counters in this process's memory: the limits hold for one instance.
 * With REDIS_URL set the application swaps in the Redis storage, same decision, shared.
 * At capacity a new counter is refused (503) rather than an old one dropped: dropping
 * would hand a fresh budget to whoever filled the map.
 */
export class MemoryRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  private lastFullSweep = 0;

  constructor(private readonly capacity = MEMORY_COUNTER_CAPACITY) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit, blockDuration));
  }

  hit(key: string, windowMs: number, limit: number, blockMs: number, now = Date.now()): ThrottlerStorageRecord {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) this.makeRoom(now);
    const decision = decide(this.entries.get(key)?.state, now, windowMs, limit, blockMs);
    const { state } = decision;
    this.entries.set(key, { state, staleAt: Math.max(state.windowStart + 2 * windowMs, state.blockedUntil) });
    return toThrottlerRecord(decision, now, windowMs, limit);
  }

  /** A full map sweeps at most once a second (a sweep walks every counter), then refuses. */
  private makeRoom(now: number): void {
    if (now - this.lastFullSweep >= 1000) {
      this.lastFullSweep = now;
      this.sweep(now);
    }
    if (this.entries.size >= this.capacity) throw new RateLimitsUnavailableException();
  }

  sweep(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.staleAt <= now) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
