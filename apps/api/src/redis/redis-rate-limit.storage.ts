import { Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitsUnavailableException, ThrottlerStorageRecord, toThrottlerRecord } from '@ringfence/auth';
import { RedisConnection } from './redis-connection';

/**
 * The sliding-window decision of libs/auth's `decide`, run atomically in Redis so every
 * instance counts against the same numbers. Redis's clock is the only clock, so
 * instances with skewed clocks still agree. Keys expire two windows (or a block) after
 * their last hit.
 */
const SLIDING_WINDOW_LUA = `
local windowMs = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'w', 'p', 'c', 'b')
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
if b > now then
  return {0, now, w, p, c, b}
end
if p * (1 - (now - w) / windowMs) + c + 1 > limit then
  if blockMs > 0 then b = now + blockMs else b = 0 end
  redis.call('HSET', KEYS[1], 'w', w, 'p', p, 'c', c, 'b', b)
  redis.call('PEXPIRE', KEYS[1], math.max(2 * windowMs, blockMs))
  return {0, now, w, p, c, b}
end
c = c + 1
redis.call('HSET', KEYS[1], 'w', w, 'p', p, 'c', c, 'b', 0)
redis.call('PEXPIRE', KEYS[1], 2 * windowMs)
return {1, now, w, p, c, 0}
`;

type SlidingWindowReply = [allowed: number, now: number, windowStart: number, previous: number, current: number, blockedUntil: number];

interface WithSlidingWindow {
  slidingWindow(key: string, windowMs: number, limit: number, blockMs: number): Promise<SlidingWindowReply>;
}

@Injectable()
export class RedisRateLimitStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisConnection) {
    redis.commands.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA });
  }

  /** Fails closed: any Redis error is the 503 RATE_LIMITS_UNAVAILABLE, never a pass. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    let reply: SlidingWindowReply;
    try {
      reply = await (this.redis.commands as unknown as WithSlidingWindow).slidingWindow(`rf:limit:${key}`, ttl, limit, blockDuration);
    } catch {
      throw new RateLimitsUnavailableException();
    }
    const [allowed, now, windowStart, previous, current, blockedUntil] = reply;
    return toThrottlerRecord({ allowed: allowed === 1, state: { windowStart, previous, current, blockedUntil } }, now, ttl, limit);
  }
}
