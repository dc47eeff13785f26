/** An error that knows when to try again: the problem filter sends it as `Retry-After`. */
export interface RetryLater {
  readonly retryAfterSeconds: number;
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
