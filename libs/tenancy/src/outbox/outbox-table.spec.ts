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

  it('takes plain identifiers and sane numbers only: its names go into SQL', () => {
    expect(defineOutboxTable<{ sealed_payload: Buffer }>(table).table).toBe('mail_outbox');
    expect(() => defineOutboxTable({ ...table, table: 'mail_outbox; DROP TABLE admins' })).toThrow(/identifier/);
    expect(() => defineOutboxTable({ ...table, leaseMs: 10 })).toThrow(/leaseMs/);
    expect(() => defineOutboxTable({ ...table, backoff: { firstMs: 2000, maxMs: 1000 } })).toThrow(/maxMs/);
  });
});
