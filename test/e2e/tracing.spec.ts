import { runTracingProbe } from '../support/run-tracing-probe';
import { useTestApp } from '../support/use-test-app';

// The application runs in a child process (test/support/tracing-probe.ts), as main.ts starts it.
describe('OpenTelemetry tracing', () => {
  jest.setTimeout(180_000);
  const t = useTestApp();

  it('off (the default), loads no OpenTelemetry SDK, exporter or instrumentation', async () => {
    const report = await runTracingProbe('off', t.db.appUrl);
    expect(report.answers.map((answer) => answer.status)).toEqual([200, 401]);
    // prom-client loads the API alone (a no-op facade, for its exemplars): nothing that records or patches.
    expect(report.loaded.filter((path) => !path.includes('/@opentelemetry/api/'))).toEqual([]);
    expect(report.spans).toEqual([]);
  });

  it('on, produces HTTP server spans named by route pattern with the request id, and PostgreSQL spans in the same trace', async () => {
    const report = await runTracingProbe('on', t.db.appUrl);
    expect(report.loaded.length).toBeGreaterThan(0);
    const [ready, refused] = report.answers;
    const server = (requestId: string | null) =>
      report.spans.find((span) => span.kind === 1 && span.attributes['ringfence.request_id'] === requestId);
    const readySpan = server(ready!.requestId);
    expect(readySpan).toMatchObject({ name: 'GET /health/ready', attributes: { 'http.route': '/health/ready' } });
    expect(server(refused!.requestId)).toMatchObject({ name: 'GET /v1/workspace', attributes: { 'http.route': '/v1/workspace' } });
    // The readiness check's database ping, a child of the request's trace.
    const statements = report.spans.filter(
      (span) => span.traceId === readySpan!.traceId && span.attributes['db.system.name'] === 'postgresql',
    );
    expect(statements.length).toBeGreaterThan(0);
    // Statements with placeholders, never their bound values.
    expect(report.spans.some((span) => JSON.stringify(span.attributes).includes('db.query.parameter'))).toBe(false);
  });
});
