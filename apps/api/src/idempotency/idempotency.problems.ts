import { defineProblems } from '@ringfence/problems';

/** What a route declared `@Idempotent()` answers about its `Idempotency-Key` (docs/adr/0020-idempotency-keys.md). */
export const IdempotencyProblems = defineProblems({
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, detail: 'This route requires an Idempotency-Key header.' },
  IDEMPOTENCY_KEY_MALFORMED: {
    status: 400,
    detail:
      'The Idempotency-Key header must be sent once, with 1 to 255 visible ASCII characters other than the double quote, the comma and the backslash.',
  },
  IDEMPOTENCY_KEY_IN_FLIGHT: {
    status: 409,
    detail: 'A request with this Idempotency-Key is still being processed; retry once it has finished.',
    retryAfterSeconds: 1,
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    detail: 'This Idempotency-Key was used for a different request; use a new key for a new request.',
  },
});
