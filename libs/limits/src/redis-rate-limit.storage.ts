import { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { LimitProblems } from './limit.problems';
import { LimitHit } from './request-limit';
import { ThrottlerStorageRecord, toThrottlerRecord } from './sliding-window';

/**
 * The sliding-window decision of sliding-window.ts's `decide`, run atomically in Redis so every
 * instance counts against the same numbers, for one or several counters in turn (the
 * limits of one request in one round trip); it stops at the first refusal, which counts
 * nothing, as the in-memory storage does. Redis's clock is the only clock, so instances
 * with skewed clocks still agree. Keys expire two windows (or a block) after their last
 * hit. ARGV: windowMs, blockMs, then one limit per key.
 */
const SLIDING_WINDOW_LUA = `
local windowMs = tonumber(ARGV[1])
local blockMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 + i])
  local s = redis.call('HMGET', key, 'w', 'p', 'c', 'b')
  local w = tonumber(s[1]) or 0
  local p = tonumber(s[2]) or 0
  local c = tonumber(s[3]) or 0
  local b = tonumber(s[4]) or 0
  local start = now - (now % windowMs)
  if w ~= start then
    if w == start - windowMs then p = c else p = 0 end
    c = 0
    w = start
  end
  local allowed = 1
  if b > now then
    allowed = 0
  elseif p * (1 - (now - w) / windowMs) + c + 1 > limit then
    allowed = 0
    if blockMs > 0 then b = now + blockMs else b = 0 end
    redis.call('HSET', key, 'w', w, 'p', p, 'c', c, 'b', b)
    redis.call('PEXPIRE', key, math.max(2 * windowMs, blockMs))
  else
    c = c + 1
    b = 0
    redis.call('HSET', key, 'w', w, 'p', p, 'c', c, 'b', 0)
    redis.call('PEXPIRE', key, 2 * windowMs)
  end
  for _, value in ipairs({allowed, now, w, p, c, b}) do table.insert(out, value) end
  if allowed == 0 then return out end
end
return out
`;

const FIELDS = 6;

interface WithSlidingWindow {
  slidingWindow(...keysThenArgs: (string | number)[]): Promise<number[]>;
}

/** The limits' storage shared by every instance; `commands` is a connection that never queues offline. */
export class RedisRateLimitStorage implements ThrottlerStorage {
  constructor(private readonly commands: Redis) {
    // Keys share no hash slot: one Redis node (or a primary with replicas), not a cluster.
    commands.defineCommand('slidingWindow', { lua: SLIDING_WINDOW_LUA });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const [record] = await this.incrementAll([{ key, limit }], ttl, blockDuration);
    return record!;
  }

  /**
   * Counts the hits in turn, in one round trip, up to and including the first refusal.
   * Fails closed: any Redis error is the 503 RATE_LIMITS_UNAVAILABLE, never a pass.
   */
  async incrementAll(hits: readonly LimitHit[], windowMs: number, blockMs: number): Promise<ThrottlerStorageRecord[]> {
    let reply: number[];
    try {
      reply = await (this.commands as unknown as WithSlidingWindow).slidingWindow(
        hits.length,
        ...hits.map((hit) => `rf:limit:${hit.key}`),
        windowMs,
        blockMs,
        ...hits.map((hit) => hit.limit),
      );
    } catch {
      throw LimitProblems.RATE_LIMITS_UNAVAILABLE();
    }
    const records: ThrottlerStorageRecord[] = [];
    for (let at = 0; at + FIELDS <= reply.length; at += FIELDS) {
      const [allowed, now, windowStart, previous, current, blockedUntil] = reply.slice(at, at + FIELDS) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const { limit } = hits[at / FIELDS]!;
      records.push(
        toThrottlerRecord({ allowed: allowed === 1, state: { windowStart, previous, current, blockedUntil } }, now, windowMs, limit),
      );
    }
    return records;
  }
}
