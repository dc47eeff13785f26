import type { RequestTracing } from './request-tracing';

export type { RequestTracing } from './request-tracing';

/**
 * Starts OpenTelemetry when OTEL_ENABLED or OTEL_EXPORTER_OTLP_ENDPOINT asks for it, before
 * anything requires `http`, `pg` or `ioredis` (their instrumentations patch them as they load).
 * Off, nothing of the SDK is loaded and the boundary installs no hook (docs/adr/0023-observability.md).
 */
export function startTracingIfConfigured(env: NodeJS.ProcessEnv): RequestTracing | undefined {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || undefined;
  const flag = env['OTEL_ENABLED']?.trim().toLowerCase();
  const enabled = flag === undefined || flag === '' ? endpoint !== undefined : flag === 'true' || flag === '1';
  if (!enabled) return undefined;
  // Loaded only here: off, no @opentelemetry module is ever required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof import('./tracing');
  return startTracing({ ...(endpoint ? { endpoint } : {}) });
}
