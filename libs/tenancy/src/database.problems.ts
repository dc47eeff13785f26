import { defineProblems } from '@ringfence/problems';

/** What a database fault answers (docs/adr/0011-database-faults.md). */
export const DatabaseProblems = defineProblems({
  /** Reported once per outage by DatabaseFaults (per conflict given up by the unit of work), never per request. */
  DATABASE_UNAVAILABLE: {
    status: 503,
    detail: 'The database cannot answer right now. Retry shortly.',
    retryAfterSeconds: 2,
    reportedState: true,
  },
});
