import { jobPrincipal } from '../jobs/job-declaration';
import { defineOutboxTable, retryDelayMs } from './outbox-table';

describe('retryDelayMs', () => {
  const backoff = { firstMs: 1000, maxMs: 5000 };

  it('doubles per attempt up to the ceiling, and never waits less than half of it', () => {
    const lowest = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(backoff, attempt, () => 0));
    const highest = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(backoff, attempt, () => 1));
    expect(lowest).toEqual([500, 1000, 2000, 2500, 2500]);
    expect(highest).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('defineOutboxTable', () => {
  const table = {
    table: 'mail_outbox',
    payloadColumns: ['sealed_payload'] as 'sealed_payload'[],
    clearedWhenFinished: ['sealed_payload'] as 'sealed_payload'[],
    principal: jobPrincipal('mail-worker'),
    maxAttempts: 5,
    leaseMs: 60_000,
    backoff: { firstMs: 1000, maxMs: 2000 },
    batch: 1,
  };

  it('takes plain identifiers and sane numbers only: its names go into SQL [V1.2.4]', () => {
    expect(defineOutboxTable<{ sealed_payload: Buffer }>(table).table).toBe('mail_outbox');
    expect(() => defineOutboxTable({ ...table, table: 'mail_outbox; DROP TABLE admins' })).toThrow(/identifier/);
    expect(() => defineOutboxTable({ ...table, leaseMs: 10 })).toThrow(/leaseMs/);
    expect(() => defineOutboxTable({ ...table, backoff: { firstMs: 2000, maxMs: 1000 } })).toThrow(/maxMs/);
  });
});

describe('retryDelayMs on a schedule', () => {
  const backoff = { scheduleMs: [5_000, 300_000, 1_800_000], jitter: 0.1 };

  it('waits the schedule’s entry for the attempt, up to jitter of it longer, and never less', () => {
    const lowest = [1, 2, 3].map((attempt) => retryDelayMs(backoff, attempt, () => 0));
    const highest = [1, 2, 3].map((attempt) => retryDelayMs(backoff, attempt, () => 1));
    expect(lowest).toEqual([5_000, 300_000, 1_800_000]);
    expect(highest).toEqual([5_500, 330_000, 1_980_000]);
  });

  it('keeps to its last entry after the schedule runs out, and to its first for an attempt below 1', () => {
    expect([4, 10, 100].map((attempt) => retryDelayMs(backoff, attempt, () => 0))).toEqual([1_800_000, 1_800_000, 1_800_000]);
    expect([0, -3].map((attempt) => retryDelayMs(backoff, attempt, () => 1))).toEqual([5_500, 5_500]);
  });

  it('does not jitter with a jitter of 0', () => {
    expect(retryDelayMs({ scheduleMs: [7_000], jitter: 0 }, 1, () => 1)).toBe(7_000);
  });

  it('is refused when empty, fractional, negative or with a jitter outside [0, 1]', () => {
    const table = {
      table: 'webhook_deliveries',
      payloadColumns: [] as never[],
      clearedWhenFinished: [] as never[],
      principal: jobPrincipal('webhook-delivery'),
      maxAttempts: 5,
      leaseMs: 60_000,
      batch: 1,
    };
    expect(defineOutboxTable({ ...table, backoff }).backoff).toEqual(backoff);
    for (const wrong of [
      { scheduleMs: [], jitter: 0 },
      { scheduleMs: [1.5], jitter: 0 },
      { scheduleMs: [-1], jitter: 0 },
      { scheduleMs: [1000], jitter: 1.5 },
      { scheduleMs: [1000], jitter: -0.1 },
    ]) {
      expect(() => defineOutboxTable({ ...table, backoff: wrong })).toThrow(/scheduleMs/);
    }
  });
});
