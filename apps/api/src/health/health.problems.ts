import { defineProblems } from '@ringfence/problems';

export const HealthProblems = defineProblems({
  /** A probe's answer is its report (the failing checks), not an error to log per probe; Retry-After tells a person when to ask again. */
  NOT_READY: { status: 503, detail: 'Not ready.', retryAfterSeconds: 5, reportedState: true },
});
