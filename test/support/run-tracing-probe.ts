import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ProbeRequest } from './tracing-probe';

export type { ProbeRequest } from './tracing-probe';

export interface ProbeReport {
  answers: { path: string; status: number; requestId: string | null }[];
  spans: {
    name: string;
    kind: number;
    traceId: string;
    attributes: Record<string, unknown>;
    events: { name: string; attributes: Record<string, unknown> }[];
  }[];
  /** The @opentelemetry modules the process loaded. */
  loaded: string[];
}

const root = join(__dirname, '..', '..');

/**
 * test/support/tracing-probe.ts in a process of its own, on `appUrl`'s database (and
 * `redisUrl`'s Redis): OpenTelemetry patches modules as Node's require loads them, which
 * jest's module registry bypasses, so the application runs there as main.ts starts it.
 * `requests` are sent after the probe's own two (readiness, then `GET /v1/workspace`).
 */
export async function runTracingProbe(
  tracing: 'on' | 'off',
  appUrl: string,
  redisUrl?: string,
  requests: readonly ProbeRequest[] = [],
): Promise<ProbeReport> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(root, 'test/support/tracing-probe.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        RF_PROBE_TRACING: tracing,
        RF_PROBE_APP_URL: appUrl,
        RF_PROBE_REQUESTS: JSON.stringify(requests),
        ...(redisUrl ? { RF_PROBE_REDIS_URL: redisUrl } : {}),
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as ProbeReport;
}
