import { defineProblems } from '@ringfence/problems';

/** What the gate answers: 401 for missing or bad credentials, 403 for a valid caller it refuses. */
export const AccessProblems = defineProblems({
  /** The one 401 every authentication failure answers; the real reason goes to the audit log. */
  UNAUTHENTICATED: { status: 401, detail: 'Valid credentials are required.' },
  ACCOUNT_SETUP_REQUIRED: { status: 403, detail: 'Enrol TOTP (and replace a one-time password) before using the console.' },
  INSUFFICIENT_ROLE: { status: 403, detail: 'Your role does not allow this.' },
  STEP_UP_REQUIRED: { status: 403, detail: 'Confirm with a second factor (POST /v1/auth/step-up) and retry.' },
  INSUFFICIENT_SCOPE: { status: 403, detail: 'The key does not hold every scope this route requires.' },
  ROUTE_ACCESS_UNDECLARED: { status: 403, detail: 'This route is not available.' },
});
