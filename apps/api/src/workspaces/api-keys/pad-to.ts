/** Resolves no earlier than `minimumMs` after `started`: refusals all take at least that long. */
export function padTo(started: number, minimumMs: number, now = Date.now()): Promise<void> {
  const remaining = started + minimumMs - now;
  return remaining > 0 ? new Promise((resolve) => setTimeout(resolve, remaining)) : Promise.resolve();
}
