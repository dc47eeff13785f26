import { randomUUID } from 'node:crypto';

// Short and plain, so a caller-chosen id cannot split or forge a log line.
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

/** Accepts a well-formed incoming `X-Request-Id`, else generates one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID();
}
