import type { EndpointPolicy } from './ssrf/endpoint-guard';

export const WEBHOOKS_OPTIONS = Symbol('WEBHOOKS_OPTIONS');

export interface WebhooksOptions {
  /** What an endpoint's URL may be, at registration and at every delivery (the SSRF guard). */
  readonly endpointPolicy: EndpointPolicy;
  /** Endpoints per workspace and environment. */
  readonly maxEndpoints: number;
  /** How long a rotated secret keeps signing beside the new one, unless the rotation says otherwise. */
  readonly rotationGraceHours: number;
  /** Deliveries in flight at once in one worker. */
  readonly concurrency: number;
  /** Deliveries of one endpoint in flight at once, across every worker. */
  readonly endpointConcurrency: number;
  /** An endpoint with no success for this many days, and failing still, is disabled. */
  readonly disableAfterDays: number;
  /** The delivery client's waits (tests shorten them). */
  readonly timeouts?: { readonly connectMs?: number; readonly totalMs?: number };
}
