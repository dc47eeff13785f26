import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A scrape-time reading (pool, jobs, audit chain, webhook backlog): called once per scrape. */
export type MetricsCollector = (metrics: Metrics) => void | Promise<void>;

/** The problem codes that are refusals by a limit, and those that are refusals of a caller's credentials or rights. */
const LIMIT_CODES = new Set(['RATE_LIMITED', 'RATE_LIMITS_UNAVAILABLE']);
const AUTH_CODES = new Set(['UNAUTHENTICATED', 'INSUFFICIENT_SCOPE', 'INSUFFICIENT_ROLE', 'STEP_UP_REQUIRED', 'SETUP_REQUIRED']);

interface RouteSeries {
  readonly count: Counter.Internal;
  readonly seconds: Histogram.Internal<string>;
}

/**
 * The process's Prometheus metrics (docs/adr/0023-observability.md), in a registry of its
 * own (two applications in one process, as in the tests, never share counters). Labels are
 * bounded by the code: route patterns, status codes, problem codes, job names, actions;
 * never a raw URL, a workspace, a key or an address.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'ringfence_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'ringfence_http_request_duration_seconds',
    help: 'HTTP request duration, arrival to response, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly limitRefusals = new Counter({
    name: 'ringfence_limit_refusals_total',
    help: 'Requests refused by a request limit or attempt budget (RATE_LIMITED) or because the limits could not be checked (RATE_LIMITS_UNAVAILABLE)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: 'ringfence_auth_failures_total',
    help: "Requests refused for their credentials or rights, by the route's credential (admin, api_key, admin_or_api_key, provider) and the problem code",
    labelNames: ['credential', 'reason'],
    registers: [this.registry],
  });
  readonly webhookOutcomes = new Counter({
    name: 'ringfence_webhook_deliveries_total',
    help: 'Webhook delivery outcomes recorded by this instance: done, retried (another attempt scheduled) or failed (for good)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly webhookAttemptSeconds = new Histogram({
    name: 'ringfence_webhook_attempt_duration_seconds',
    help: 'One webhook delivery attempt, resolution to response, by result (delivered, or its error class family)',
    labelNames: ['result'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });
  readonly cosignerDecisions = new Counter({
    name: 'ringfence_cosigner_decisions_total',
    help: "The co-signer's answers to its provider's callbacks, by action (APPROVE, REJECT, RETRY) and whether it replayed a stored answer",
    labelNames: ['action', 'replayed'],
    registers: [this.registry],
  });
  private readonly series = new Map<string, RouteSeries>();
  private readonly collectors: MetricsCollector[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ringfence_process_' });
  }

  /** One answered request: `route` is the route's pattern (null when none matched). */
  observeRequest(method: string, route: string | null, status: number, elapsedMs: number, problemCode?: string, credential?: string): void {
    const key = `${method} ${route ?? ''} ${status}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { method, route: route ?? 'unmatched', status: String(status) };
      series = { count: this.requests.labels(labels), seconds: this.requestSeconds.labels(labels) };
      this.series.set(key, series);
    }
    series.count.inc();
    series.seconds.observe(elapsedMs / 1000);
    if (problemCode === undefined) return;
    if (LIMIT_CODES.has(problemCode)) this.limitRefusals.inc({ code: problemCode });
    else if (AUTH_CODES.has(problemCode)) this.authFailures.inc({ credential: credential ?? 'none', reason: problemCode.toLowerCase() });
  }

  /** A reading taken at each scrape (gauges of the pool, the jobs, the audit chain, the webhook backlog). */
  collectAtScrape(collector: MetricsCollector): void {
    this.collectors.push(collector);
  }

  /** A gauge of this registry, made once by name. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<string>;
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  /** The exposition text: every scrape-time reading first (a failing one is skipped, its gauges keep their last value). */
  async render(): Promise<string> {
    await Promise.allSettled(this.collectors.map(async (collect) => collect(this)));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
