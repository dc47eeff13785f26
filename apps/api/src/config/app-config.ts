import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { isAbsolute, resolve } from 'node:path';
import { EnvironmentVariables } from './environment-variables';

export type NodeEnvironment = EnvironmentVariables['NODE_ENV'];

/** The validated, resolved configuration the application is built from. */
export interface AppConfig {
  readonly env: NodeEnvironment;
  readonly role: EnvironmentVariables['RINGFENCE_ROLE'];
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly corsOrigins: readonly string[];
    readonly trustedProxies: readonly string[];
    readonly docsEnabled: boolean;
    readonly shutdownGraceMs: number;
  };
  readonly database: {
    /** Unset means: start the embedded PostgreSQL under `dataDir/pg`. */
    readonly url?: string;
    readonly migrationUrl?: string;
    readonly migrateOnBoot: boolean;
    readonly poolSize: number;
    readonly embeddedPort: number;
  };
  readonly dataDir: string;
  readonly secretsDir: string;
  readonly activeMasterKeyVersion?: number;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
}

/** Boot refused: every problem is listed by variable name, never with its value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const input: Record<string, string> = {};
  for (const name of [...known, 'DATABASE_URL', 'DATABASE_MIGRATION_URL', 'RINGFENCE_SECRETS_DIR', 'MASTER_KEY_ACTIVE_VERSION', 'DOCS_ENABLED']) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, input);
  const problems = flatten(validateSync(vars, { whitelist: true, forbidUnknownValues: true }));

  const production = vars.NODE_ENV === 'production';
  if (production && !vars.DATABASE_URL) {
    problems.push('DATABASE_URL is required in production (the embedded database is for development only)');
  }
  if (production && !vars.RINGFENCE_SECRETS_DIR) {
    problems.push('RINGFENCE_SECRETS_DIR is required in production (development keys are refused)');
  }
  if (production && vars.MIGRATE_ON_BOOT && vars.DATABASE_URL && !vars.DATABASE_MIGRATION_URL) {
    problems.push('DATABASE_MIGRATION_URL is required in production when MIGRATE_ON_BOOT is on (migrations run as the owner role)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = absolute(vars.RINGFENCE_DATA_DIR, cwd);
  return {
    env: vars.NODE_ENV,
    role: vars.RINGFENCE_ROLE,
    http: {
      host: vars.HOST,
      port: vars.PORT,
      corsOrigins: vars.CORS_ORIGINS,
      trustedProxies: vars.TRUSTED_PROXIES,
      docsEnabled: vars.DOCS_ENABLED ?? !production,
      shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    },
    database: {
      url: vars.DATABASE_URL,
      migrationUrl: vars.DATABASE_MIGRATION_URL,
      migrateOnBoot: vars.MIGRATE_ON_BOOT,
      poolSize: vars.DATABASE_POOL_SIZE,
      embeddedPort: vars.EMBEDDED_PG_PORT,
    },
    dataDir,
    secretsDir: vars.RINGFENCE_SECRETS_DIR ? absolute(vars.RINGFENCE_SECRETS_DIR, cwd) : resolve(dataDir, 'secrets'),
    activeMasterKeyVersion: vars.MASTER_KEY_ACTIVE_VERSION,
    logLevel: vars.LOG_LEVEL,
  };
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
}
