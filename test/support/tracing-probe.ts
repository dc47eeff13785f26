/**
 * A process of its own for tracing.spec (jest's module registry bypasses the require hooks
 * OpenTelemetry instruments through): starts tracing as main.ts does (`off`: from an
 * environment that asks for none; `on`: with an in-memory exporter), then the real
 * application on the database RF_PROBE_APP_URL names (and the Redis of RF_PROBE_REDIS_URL, if set), serves two requests over a socket
 * (and those RF_PROBE_REQUESTS adds), and prints one JSON line: the spans (with their events), and the @opentelemetry modules loaded.
 */
import 'reflect-metadata';
import type { InMemorySpanExporter as Exporter } from '@opentelemetry/sdk-trace-base';
import { RequestTracing, startTracingIfConfigured } from '../../apps/api/src/telemetry/tracing-switch';

/** A request the probe sends after its two own (RF_PROBE_REQUESTS, a JSON array). */
export interface ProbeRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

async function main(): Promise<void> {
  const on = process.env['RF_PROBE_TRACING'] === 'on';
  let exporter: Exporter | undefined;
  let tracing: (RequestTracing & { provider?: { forceFlush(): Promise<void> } }) | undefined;
  if (on) {
    const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    const { startTracing } = require('../../apps/api/src/telemetry/tracing') as typeof import('../../apps/api/src/telemetry/tracing');
    exporter = new InMemorySpanExporter();
    tracing = startTracing({ exporter });
  } else {
    tracing = startTracingIfConfigured({ PATH: process.env['PATH'] });
  }
  // After tracing started: the instrumentations patch http, pg and ioredis as the application loads them.
  const { createTestApp, listenOn } = require('./test-app') as typeof import('./test-app');
  const redisUrl = process.env['RF_PROBE_REDIS_URL'];
  const t = await createTestApp(
    { appUrl: process.env['RF_PROBE_APP_URL']! },
    { ...(tracing ? { tracing } : {}), ...(redisUrl ? { env: { REDIS_URL: redisUrl } } : {}) },
  );
  try {
    const url = await listenOn(t);
    const answers = [];
    const requests: ProbeRequest[] = [
      { path: '/health/ready' },
      { path: '/v1/workspace' },
      ...(JSON.parse(process.env['RF_PROBE_REQUESTS'] ?? '[]') as ProbeRequest[]),
    ];
    for (const { path, method, headers, body } of requests) {
      const response = await fetch(new URL(path, url), {
        method: method ?? 'GET',
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      answers.push({ path, status: response.status, requestId: response.headers.get('x-request-id') });
    }
    // Every batch the exporter was handed (a span that ends after the last answer included).
    await tracing?.provider?.forceFlush();
    const spans = (exporter?.getFinishedSpans() ?? []).map((span) => ({
      name: span.name,
      kind: span.kind,
      traceId: span.spanContext().traceId,
      attributes: span.attributes,
      events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
    }));
    const loaded = Object.keys(require.cache).filter((path) => path.includes(`${'@'}opentelemetry`));
    process.stdout.write(`${JSON.stringify({ answers, spans, loaded })}\n`);
  } finally {
    await t.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
