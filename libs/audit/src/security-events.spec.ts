import { ANONYMOUS, DatabaseProblems, type RequestContext, type UnitOfWork } from '@ringfence/tenancy';
import type { AuditWriter } from './audit-writer';
import { SECURITY_EVENT_CONCURRENCY, SECURITY_EVENT_QUEUE_MAX, SECURITY_EVENT_WAIT_MS, SecurityEvents } from './security-events';

describe('SecurityEvents', () => {
  const context = { principal: ANONYMOUS } as unknown as RequestContext;

  it('never holds more than a few transactions at once, however many failures arrive, and writes every one', async () => {
    let inFlight = 0;
    let peak = 0;
    let written = 0;
    const unitOfWork = {
      afterTransaction: (task: () => Promise<void>) => task(),
      run: async (work: () => Promise<void>) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await work();
        inFlight -= 1;
      },
    } as unknown as UnitOfWork;
    const writer = { append: () => Promise.resolve(void (written += 1)) } as unknown as AuditWriter;
    const events = new SecurityEvents(unitOfWork, writer, context);
    await Promise.all(Array.from({ length: 40 }, () => events.record({ action: 'auth.login', outcome: 'failure' })));
    expect(peak).toBe(SECURITY_EVENT_CONCURRENCY);
    expect(written).toBe(40);
  });

  it('frees its turn when a write fails', async () => {
    const unitOfWork = {
      afterTransaction: (task: () => Promise<void>) => task(),
      run: () => Promise.reject(new Error('database down')),
    } as unknown as UnitOfWork;
    const events = new SecurityEvents(unitOfWork, {} as AuditWriter, context);
    const outcomes = await Promise.allSettled(
      Array.from({ length: SECURITY_EVENT_CONCURRENCY * 3 }, () => events.record({ action: 'auth.login', outcome: 'failure' })),
    );
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });

  describe('a wait for a turn is bounded', () => {
    /** Writes that hang until released, as behind a held lock. */
    const held = () => {
      const releases: (() => void)[] = [];
      let written = 0;
      const unitOfWork = {
        afterTransaction: (task: () => Promise<void>) => task(),
        run: (work: () => Promise<void>) => new Promise<void>((resolve) => releases.push(() => void work().then(resolve))),
      } as unknown as UnitOfWork;
      const writer = { append: () => Promise.resolve(void (written += 1)) } as unknown as AuditWriter;
      return {
        events: new SecurityEvents(unitOfWork, writer, context),
        release: () => releases.splice(0).forEach((go) => go()),
        written: () => written,
      };
    };
    const record = (events: SecurityEvents) => events.record({ action: 'auth.login', outcome: 'failure' });
    afterEach(() => jest.useRealTimers());

    it('refuses at once, with a 503, past SECURITY_EVENT_QUEUE_MAX waiting writes', async () => {
      const { events, release } = held();
      const outcomes = Array.from({ length: SECURITY_EVENT_CONCURRENCY + SECURITY_EVENT_QUEUE_MAX + 5 }, () =>
        record(events).then(
          () => 'written',
          (error: unknown) => error,
        ),
      );
      const refused = await Promise.all(outcomes.slice(-5));
      for (const error of refused) expect(DatabaseProblems.DATABASE_UNAVAILABLE.is(error)).toBe(true);
      release();
    });

    it('gives up after SECURITY_EVENT_WAIT_MS, with a 503, and the queue moves on', async () => {
      jest.useFakeTimers();
      const { events, release, written } = held();
      const first = Array.from({ length: SECURITY_EVENT_CONCURRENCY }, () => record(events));
      const waiting = record(events).then(
        () => 'written',
        (error: unknown) => error,
      );
      await jest.advanceTimersByTimeAsync(SECURITY_EVENT_WAIT_MS);
      expect(DatabaseProblems.DATABASE_UNAVAILABLE.is(await waiting)).toBe(true);
      release();
      await Promise.all(first);
      expect(written()).toBe(SECURITY_EVENT_CONCURRENCY);
      // Turns freed by the held writes serve the next ones.
      const later = record(events);
      release();
      await jest.advanceTimersByTimeAsync(0);
      release();
      await expect(later).resolves.toBeUndefined();
    });
  });
});
