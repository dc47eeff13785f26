import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { FastifyRequest } from 'fastify';
import type { RequestTracing } from './request-tracing';
import { SpanRedactor } from './span-redaction';

export interface TracingOptions {
  /** OTLP/HTTP collector base URL (the exporter appends /v1/traces); the exporter's default otherwise. */
  readonly endpoint?: string;
  /** Spans go here instead, each as it ends (tests: an in-memory exporter). */
  readonly exporter?: SpanExporter;
}

/**
 * OpenTelemetry tracing: HTTP (server and client), PostgreSQL (pg: statements, never their
 * bound values) and Redis (ioredis: the command, never its arguments) spans, exported over
 * OTLP/HTTP in batches. Each request's server span carries its route pattern and request id;
 * no span carries a query string, a URL's query or anything secret (SpanRedactor).
 */
export function startTracing(options: TracingOptions = {}): RequestTracing & { provider: NodeTracerProvider } {
  const exporter =
    options.exporter ?? new OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env['OTEL_SERVICE_NAME'] ?? 'ringfence-api' }),
    // The redactor first: no query string and no secret reaches the exporter (span-redaction.ts).
    spanProcessors: [new SpanRedactor(), options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Incoming requests' spans only from requests: health probes included (they are requests too).
      new HttpInstrumentation({ headersToSpanAttributes: { server: { requestHeaders: [], responseHeaders: ['x-request-id'] } } }),
      // Statements as text with placeholders: bound values are never attributes (enhancedDatabaseReporting off).
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      // The command name only: arguments carry keys and values (revocations, counters).
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  return {
    provider,
    annotate(request: FastifyRequest): void {
      const span = trace.getActiveSpan();
      if (!span) return;
      span.setAttribute('ringfence.request_id', String(request.id));
      const route = request.routeOptions.url;
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${request.method} ${route}`);
      }
    },
  };
}
