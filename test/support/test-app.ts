import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplication, shutdownApplication } from '../../apps/api/src/application';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { createAppLogger } from '../../apps/api/src/logging/app-logger';
import { TestDatabase } from './test-database';

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log output, for "this string never appears" assertions. */
  rawLogs(): string;
  close(): Promise<void>;
}

/** The real application (same config validation, same pipeline) on a test database. */
export async function createTestApp(
  database: TestDatabase,
  options: { features?: Type[]; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const secretsDir = mkdtempSync(join(tmpdir(), 'rf-secrets-'));
  writeFileSync(join(secretsDir, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.appUrl,
    RINGFENCE_SECRETS_DIR: secretsDir,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const lines: string[] = [];
  const logger = createAppLogger(config, { write: (line: string) => void lines.push(line) });
  const app = await createApplication({ config, databaseUrl: database.appUrl, logger, features: options.features });
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLogs: () => lines.join(''),
    async close() {
      await shutdownApplication(app);
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}
