import { ANONYMOUS, type RequestContext, type UnitOfWork } from '@ringfence/tenancy';
import type { AuditWriter } from './audit-writer';
import { SECURITY_EVENT_CONCURRENCY, SecurityEvents } from './security-events';

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
    const unitOfWork = { afterTransaction: (task: () => Promise<void>) => task(), run: () => Promise.reject(new Error('database down')) } as unknown as UnitOfWork;
    const events = new SecurityEvents(unitOfWork, {} as AuditWriter, context);
    const outcomes = await Promise.allSettled(Array.from({ length: SECURITY_EVENT_CONCURRENCY * 3 }, () => events.record({ action: 'auth.login', outcome: 'failure' })));
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });
});
