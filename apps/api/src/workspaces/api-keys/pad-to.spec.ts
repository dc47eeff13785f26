import { padTo } from './pad-to';

describe('padTo', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds a quick refusal until the minimum has passed since it started', async () => {
    const started = Date.now();
    let done = false;
    const padded = padTo(started, 25, started + 5).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(19);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await padded;
    expect(done).toBe(true);
  });

  it('adds nothing to a refusal that already took the minimum', async () => {
    let done = false;
    const padded = padTo(1000, 25, 1030).then(() => (done = true));
    await Promise.resolve();
    await padded;
    expect(done).toBe(true);
  });
});
