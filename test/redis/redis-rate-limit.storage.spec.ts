import { MemoryRateLimitStorage, RedisRateLimitStorage } from '@ringfence/limits';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { RedisConnection } from '../../apps/api/src/redis/redis-connection';
import { startTestRedis, TestRedis } from '../support/test-redis';

const WINDOW = 60_000;

/** The Lua decision against the TypeScript one it mirrors, on a real Redis. */
describe('RedisRateLimitStorage', () => {
  let redis: TestRedis;
  let connection: RedisConnection;
  let storage: RedisRateLimitStorage;
  const key = () => `spec:${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    redis = await startTestRedis();
    connection = new RedisConnection(redis.url, pino({ level: 'silent' }));
    await connection.onModuleInit();
    storage = new RedisRateLimitStorage(connection.commands);
  });
  afterAll(async () => {
    await connection.onApplicationShutdown();
    await redis.stop();
  });

  it('admits a burst up to the limit and refuses the next without counting it, as the memory storage does', async () => {
    const memory = new MemoryRateLimitStorage();
    const [shared, local] = [key(), key()];
    const fromRedis = [];
    const fromMemory = [];
    for (let i = 0; i < 5; i += 1) {
      fromRedis.push(await storage.increment(shared, WINDOW, 3, 0));
      fromMemory.push(memory.hit(local, WINDOW, 3, 0));
    }
    memory.onApplicationShutdown();
    const shape = (records: { isBlocked: boolean; totalHits: number }[]) => records.map((record) => [record.isBlocked, record.totalHits]);
    expect(shape(fromRedis)).toEqual(shape(fromMemory));
    expect(shape(fromRedis)).toEqual([
      [false, 1],
      [false, 2],
      [false, 3],
      [true, 4],
      [true, 4],
    ]);
    expect(fromRedis[3]!.timeToBlockExpire).toBeGreaterThanOrEqual(1);
    expect(fromRedis[3]!.timeToBlockExpire).toBeLessThanOrEqual(120);
  });

  it('with a block duration, a refusal blocks the counter for that long', async () => {
    const counter = key();
    await storage.increment(counter, WINDOW, 1, 300_000);
    const refused = await storage.increment(counter, WINDOW, 1, 300_000);
    expect(refused.isBlocked).toBe(true);
    expect(refused.timeToBlockExpire).toBe(300);
    expect(await connection.commands.pttl(`rf:limit:${counter}`)).toBeGreaterThan(290_000);
  });

  it('charges several counters in one round trip and stops at the first refusal', async () => {
    const [first, second] = [key(), key()];
    await storage.increment(first, WINDOW, 1, 0);
    const records = await storage.incrementAll(
      [
        { key: first, limit: 1 },
        { key: second, limit: 5 },
      ],
      WINDOW,
      0,
    );
    expect(records.map((record) => record.isBlocked)).toEqual([true]);
    expect(await connection.commands.exists(`rf:limit:${second}`)).toBe(0);
    const both = await storage.incrementAll(
      [
        { key: second, limit: 5 },
        { key: key(), limit: 5 },
      ],
      WINDOW,
      0,
    );
    expect(both.map((record) => [record.isBlocked, record.totalHits])).toEqual([
      [false, 1],
      [false, 1],
    ]);
  });
});
