import { defineProblems } from '@ringfence/problems';

/** What the webhooks' routes answer beyond NOT_FOUND and VALIDATION_FAILED (docs/adr/0021-webhook-delivery.md). */
export const WebhookProblems = defineProblems({
  /** The URL is refused by the SSRF guard; the detail names the rule, never the URL. */
  ENDPOINT_URL_REFUSED: { status: 422, detail: 'This URL cannot receive webhooks.' },
  ENDPOINT_LIMIT_REACHED: { status: 422, detail: 'This workspace has its maximum number of webhook endpoints in this environment.' },
  ENDPOINT_DISABLED: { status: 409, detail: 'This endpoint is disabled; enable it first.' },
  DELIVERY_PENDING: { status: 409, detail: 'This delivery is still being attempted; replay it once it has finished.' },
  UNKNOWN_EVENT_TYPE: { status: 400, detail: 'An event type is not in the catalogue (GET /v1/webhooks/event-types).' },
});
