import { isReportedState } from '@ringfence/problems';

/**
 * A background job's failure, logged unless it is a state reported elsewhere (the
 * database's outage, logged once by DatabaseFaults): a job that fails every few seconds
 * through an outage adds no line of its own, and runs again on its next turn.
 */
export function logJobFailure(
  logger: { error(message: unknown, ...rest: unknown[]): void },
  error: unknown,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (!isReportedState(error)) logger.error({ ...fields, err: error }, message);
}
