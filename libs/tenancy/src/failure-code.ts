import { Problem } from '@ringfence/problems';

const CODE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * What status, logs and outbox rows say a failure was, never its message (a driver's or
 * a mail server's message can quote addresses and values): a catalogued problem's code (the
 * database's outage as the unit of work reports it is DATABASE_UNAVAILABLE; a mail server's
 * ECONNREFUSED is not the database's); else the error's own code (SQLSTATE, errno); else its class.
 */
export function failureCodeOf(error: unknown): string {
  if (error instanceof Problem) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CODE.test(code)) return code;
  return error instanceof Error && CODE.test(error.name) ? error.name : 'Error';
}
