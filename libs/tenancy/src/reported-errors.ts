/** An error that knows when to try again: the problem filter sends it as `Retry-After`. */
export interface RetryLater {
  readonly retryAfterSeconds: number;
}

export function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as Partial<RetryLater> | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * An error that answers a state already reported elsewhere (readiness, the outage's own
 * log line): the problem filter does not log it again for every request it refuses.
 */
export interface ReportedState {
  readonly reportedState: true;
}

export function isReportedState(error: unknown): boolean {
  return (error as Partial<ReportedState> | null)?.reportedState === true;
}

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
