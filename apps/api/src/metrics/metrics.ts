import { AccessProblems } from '@ringfence/access';
import { LimitProblems } from '@ringfence/limits';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A scrape-time reading (pool, jobs, audit chain, webhook backlog): called once per scrape. */
export type MetricsCollector = (metrics: Metrics) => void | Promise<void>;

/** The problem codes that are refusals by a limit, and those that are refusals of a caller's credentials or rights. */
const LIMIT_CODES: ReadonlySet<string> = new Set([LimitProblems.RATE_LIMITED.code, LimitProblems.RATE_LIMITS_UNAVAILABLE.code]);
const AUTH_CODES: ReadonlySet<string> = new Set(
  [
    AccessProblems.UNAUTHENTICATED,
    AccessProblems.INSUFFICIENT_SCOPE,
    AccessProblems.INSUFFICIENT_ROLE,
    AccessProblems.STEP_UP_REQUIRED,
    AccessProblems.ACCOUNT_SETUP_REQUIRED,
  ].map((problem) => problem.code),
);

/** Upper bounds of the request duration histogram, in seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One method, route pattern and status: plain numbers, turned into samples at the scrape only. */
interface RouteSeries {
  readonly labels: Readonly<Record<'method' | 'route' | 'status', string>>;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last one is past the largest bound (+Inf). */
  readonly buckets: number[];
}

interface Sample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/**
 * A metric whose samples are computed when the registry is read: what prom-client's
 * `registerMetric` takes. The request series count into plain numbers (~20 ns a request)
 * instead of prom-client's labelled children (~0.9 µs: they hash the labels on every call).
 */
class ComputedMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly samples: () => Sample[],
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  reset(): void {}
}

/**
 * The process's Prometheus metrics (docs/adr/0023-observability.md), in a registry of its
 * own (two applications in one process, as in the tests, never share counters). Labels are
 * bounded by the code: route patterns, status codes, problem codes, job names, actions;
 * never a raw URL, a workspace, a key or an address.
 */
export class Metrics {
  readonly registry = new Registry();
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
  private readonly series = new Map<string | null, Map<string, Map<number, RouteSeries>>>();
  private readonly collectors: MetricsCollector[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ringfence_process_' });
    const series = (): RouteSeries[] =>
      [...this.series.values()].flatMap((byMethod) => [...byMethod.values()].flatMap((byStatus) => [...byStatus.values()]));
    this.registry.registerMetric(
      new ComputedMetric('ringfence_http_requests_total', 'HTTP requests answered, by method, route pattern and status', 'counter', () =>
        series().map((one) => ({ labels: one.labels, value: one.count })),
      ) as never,
    );
    this.registry.registerMetric(
      new ComputedMetric(
        'ringfence_http_request_duration_seconds',
        'HTTP request duration, arrival to response, by method, route pattern and status',
        'histogram',
        () =>
          series().flatMap((one) => {
            let cumulative = 0;
            const buckets = REQUEST_BUCKETS.map((le, index) => {
              cumulative += one.buckets[index]!;
              return { metricName: 'ringfence_http_request_duration_seconds_bucket', labels: { ...one.labels, le }, value: cumulative };
            });
            return [
              ...buckets,
              { metricName: 'ringfence_http_request_duration_seconds_bucket', labels: { ...one.labels, le: '+Inf' }, value: one.count },
              { metricName: 'ringfence_http_request_duration_seconds_sum', labels: one.labels, value: one.sum },
              { metricName: 'ringfence_http_request_duration_seconds_count', labels: one.labels, value: one.count },
            ];
          }),
      ) as never,
    );
  }

  /** One answered request: `route` is the route's pattern (null when none matched). */
  observeRequest(method: string, route: string | null, status: number, elapsedMs: number, problemCode?: string, credential?: string): void {
    // Nested maps, not a joined key: the route and method strings are the router's and the
    // parser's own (their hashes are cached), and no string is built per request.
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map<string, Map<number, RouteSeries>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, RouteSeries>()));
    let series = byStatus.get(status);
    if (!series) {
      series = {
        labels: { method, route: route ?? 'unmatched', status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(REQUEST_BUCKETS.length + 1).fill(0),
      };
      byStatus.set(status, series);
    }
    const seconds = elapsedMs / 1000;
    let bucket = 0;
    while (bucket < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[bucket]!) bucket += 1;
    series.buckets[bucket]! += 1;
    series.count += 1;
    series.sum += seconds;
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
