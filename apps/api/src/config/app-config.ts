import { catalogueProblems, DEFAULT_PLANS, PlanCatalogue, RateLimitOptions } from '@ringfence/limits';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { isAbsolute, resolve } from 'node:path';
import { CosignerOptions, InboundProvider, INBOUND_SCHEMES, InboundScheme, SIMULATOR_PROVIDER } from '../cosigner/cosigner.options';
import type { WebhooksOptions } from '../webhooks/webhooks.options';
import { FIREBLOCKS_PROVIDER, type ProvidersOptions } from '../providers/providers.options';
import type { IdempotencyOptions } from '../idempotency/idempotency.options';
import type { VaultOptions } from '../vault/vault.options';
import { defaultConnectionCeiling } from './connection-ceiling';
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
    /** Headers and body must arrive within this; then 408 and the connection closes. */
    readonly requestTimeoutMs: number;
    /** Open connections in all, and from one client address. */
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
  };
  readonly database: {
    /** Unset means: start the embedded PostgreSQL under `dataDir/pg`. */
    readonly url?: string;
    readonly migrationUrl?: string;
    readonly migrateOnBoot: boolean;
    readonly poolSize: number;
    readonly embeddedPort: number;
    /** Pool acquire (and connect) timeout; the server-side timeouts of every app connection; the long-running allowance. */
    readonly timeouts: {
      readonly acquireMs: number;
      readonly statementMs: number;
      readonly lockMs: number;
      readonly idleInTransactionMs: number;
      readonly longRunningMs: number;
    };
  };
  readonly dataDir: string;
  readonly secretsDir: string;
  readonly activeMasterKeyVersion?: number;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  /** Readable lines for a person at a terminal, or one JSON object a line (docs/adr/0023-observability.md). */
  readonly logFormat: 'json' | 'pretty';
  /** GET /metrics: off, open to loopback clients (outside production, no token), or behind a bearer token. */
  readonly metrics: { readonly access: 'off' } | { readonly access: 'loopback' } | { readonly access: 'token'; readonly token: string };
  /** OpenTelemetry tracing: off unless asked for; `endpoint` undefined means the exporter's default (localhost:4318). */
  readonly tracing: { readonly enabled: boolean; readonly endpoint?: string };
  readonly apiKeyCacheMs: number;
  /** Unset: limits counted in memory (one instance) and revocations kept in-process. */
  readonly redisUrl?: string;
  readonly rateLimits: RateLimitOptions;
  readonly auditRetentionDays: number;
  /** The signed chain heads (docs/adr/0027-audit-checkpoints.md): the export directory and the signing key version. */
  readonly auditCheckpoints: { readonly directory: string; readonly keyVersion?: number };
  readonly vault: VaultOptions;
  readonly cosigner: CosignerOptions;
  /** The custody providers' adapters: the simulator's settings, and each HTTP provider's. */
  readonly custody: ProvidersOptions;
  readonly idempotency: IdempotencyOptions;
  readonly webhooks: WebhooksOptions;
  readonly adminAuth: {
    readonly issuer: string;
    readonly audience: string;
    readonly signingKeyVersion?: number;
    readonly accessTokenTtlSeconds: number;
    readonly sessionTtlSeconds: number;
    readonly sessionCacheMs: number;
    readonly consoleUrl: string;
    /** Created on the first start when the database has no admin (embedded default; never in production). */
    readonly bootstrapEmail?: string;
  };
  readonly mail:
    | { readonly transport: 'file'; readonly directory: string; readonly from: string }
    | { readonly transport: 'smtp'; readonly url: string; readonly from: string };
}

/** A co-signer callback waits for a connection, then decides within its timeout: both inside this, the rest of the provider's 30 s left to verify, sign and travel. */
const COSIGNER_ANSWER_BUDGET_MS = 25_000;

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
  const optional = [
    'DATABASE_URL',
    'DATABASE_MIGRATION_URL',
    'RINGFENCE_SECRETS_DIR',
    'MASTER_KEY_ACTIVE_VERSION',
    'DOCS_ENABLED',
    'JWT_SIGNING_KEY_VERSION',
    'AUDIT_CHECKPOINT_KEY_VERSION',
    'AUDIT_CHECKPOINT_DIR',
    'MAIL_TRANSPORT',
    'SMTP_URL',
    'BOOTSTRAP_ADMIN_EMAIL',
    'REDIS_URL',
    'RATE_LIMIT_PLANS',
    'COSIGNER_PROVIDERS',
    'COSIGNER_RESPONSE_KEY_VERSION',
    'FIREBLOCKS_BASE_URL',
    'FIREBLOCKS_API_KEY_VERSION',
    'INBOUND_WEBHOOK_PROVIDERS',
  ];
  for (const name of [...known, ...optional]) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, input);
  const problems = flatten(validateSync(vars, { whitelist: true, forbidUnknownValues: true }));

  const production = vars.NODE_ENV === 'production';
  if (production && !vars.DATABASE_URL) {
    problems.push('DATABASE_URL is required in production (the embedded database is for development only)');
  }
  if (production && vars.WEBHOOK_ALLOW_HTTP) {
    problems.push('WEBHOOK_ALLOW_HTTP is refused in production: webhook endpoints are https there');
  }
  const badPort = (vars.WEBHOOK_ALLOWED_PORTS ?? []).find((port) => Number(port) < 1 || Number(port) > 65535);
  if (badPort !== undefined) problems.push(`WEBHOOK_ALLOWED_PORTS holds ${badPort}, which is not a port (1 to 65535)`);
  if (production && !input.CONSOLE_URL) {
    problems.push('CONSOLE_URL is required in production (the password reset links point at it; the default is localhost)');
  }
  if (production && !vars.RINGFENCE_SECRETS_DIR) {
    problems.push('RINGFENCE_SECRETS_DIR is required in production (development keys are refused)');
  }
  if (production && vars.MIGRATE_ON_BOOT && vars.DATABASE_URL && !vars.DATABASE_MIGRATION_URL) {
    problems.push('DATABASE_MIGRATION_URL is required in production when MIGRATE_ON_BOOT is on (migrations run as the owner role)');
  }
  const mailTransport = vars.MAIL_TRANSPORT ?? (vars.SMTP_URL ? 'smtp' : production ? undefined : 'file');
  if (!mailTransport) problems.push('SMTP_URL is required in production (or set MAIL_TRANSPORT=file explicitly)');
  if (mailTransport === 'smtp' && !vars.SMTP_URL) problems.push('SMTP_URL is required when MAIL_TRANSPORT is smtp');
  const plans = parsePlans(vars.RATE_LIMIT_PLANS, problems);
  if (vars.VAULT_REVEALS_PER_MINUTE > vars.VAULT_WORKSPACE_REVEALS_PER_MINUTE) {
    problems.push(
      'VAULT_REVEALS_PER_MINUTE must not exceed VAULT_WORKSPACE_REVEALS_PER_MINUTE (one key would take a whole vault’s reveals)',
    );
  }
  const longest = Math.max(vars.DATABASE_STATEMENT_TIMEOUT_MS, vars.DATABASE_LOCK_TIMEOUT_MS, vars.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS);
  if (vars.DATABASE_LONG_RUNNING_TIMEOUT_MS < longest) {
    problems.push(
      'DATABASE_LONG_RUNNING_TIMEOUT_MS must not be shorter than the statement, lock and idle-in-transaction timeouts (it is their allowance for long work)',
    );
  }
  const cosignerProviders = vars.COSIGNER_PROVIDERS ?? (production ? [] : [SIMULATOR_PROVIDER]);
  if (production && cosignerProviders.includes(SIMULATOR_PROVIDER)) {
    problems.push(
      `COSIGNER_PROVIDERS names "${SIMULATOR_PROVIDER}", which is refused in production (the development provider, with a key made on this host)`,
    );
  }
  if (cosignerProviders.length > 0 && vars.DATABASE_ACQUIRE_TIMEOUT_MS + vars.COSIGNER_DECISION_TIMEOUT_MS > COSIGNER_ANSWER_BUDGET_MS) {
    problems.push(
      `DATABASE_ACQUIRE_TIMEOUT_MS and COSIGNER_DECISION_TIMEOUT_MS together must not exceed ${COSIGNER_ANSWER_BUDGET_MS} ms (a co-signer answer must leave well inside the provider's 30 s)`,
    );
  }
  const inbound = inboundProviders(vars.INBOUND_WEBHOOK_PROVIDERS, cosignerProviders, problems);
  const fireblocks = cosignerProviders.includes(FIREBLOCKS_PROVIDER);
  if (fireblocks) problems.push(...baseUrlProblems('FIREBLOCKS_BASE_URL', vars.FIREBLOCKS_BASE_URL, production));
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = absolute(vars.RINGFENCE_DATA_DIR, cwd);
  return {
    env: vars.NODE_ENV,
    role: vars.RINGFENCE_ROLE,
    logFormat: vars.LOG_FORMAT ?? (vars.NODE_ENV === 'development' && process.stdout.isTTY === true ? 'pretty' : 'json'),
    metrics: vars.METRICS_TOKEN ? { access: 'token', token: vars.METRICS_TOKEN } : production ? { access: 'off' } : { access: 'loopback' },
    tracing: {
      enabled: vars.OTEL_ENABLED ?? vars.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
      ...(vars.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
    },
    http: {
      host: vars.HOST,
      port: vars.PORT,
      corsOrigins: vars.CORS_ORIGINS,
      trustedProxies: vars.TRUSTED_PROXIES,
      docsEnabled: vars.DOCS_ENABLED ?? !production,
      shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
      requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections: vars.HTTP_MAX_CONNECTIONS ?? defaultConnectionCeiling(),
      maxConnectionsPerAddress: vars.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
    database: {
      url: vars.DATABASE_URL,
      migrationUrl: vars.DATABASE_MIGRATION_URL,
      migrateOnBoot: vars.MIGRATE_ON_BOOT,
      poolSize: vars.DATABASE_POOL_SIZE,
      embeddedPort: vars.EMBEDDED_PG_PORT,
      timeouts: {
        acquireMs: vars.DATABASE_ACQUIRE_TIMEOUT_MS,
        statementMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
        lockMs: vars.DATABASE_LOCK_TIMEOUT_MS,
        idleInTransactionMs: vars.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
        longRunningMs: vars.DATABASE_LONG_RUNNING_TIMEOUT_MS,
      },
    },
    dataDir,
    secretsDir: vars.RINGFENCE_SECRETS_DIR ? absolute(vars.RINGFENCE_SECRETS_DIR, cwd) : resolve(dataDir, 'secrets'),
    activeMasterKeyVersion: vars.MASTER_KEY_ACTIVE_VERSION,
    logLevel: vars.LOG_LEVEL,
    apiKeyCacheMs: vars.API_KEY_CACHE_MS,
    redisUrl: vars.REDIS_URL,
    rateLimits: { perClientIpPerMinute: vars.RATE_LIMIT_IP_PER_MINUTE, plans },
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    auditCheckpoints: {
      directory: vars.AUDIT_CHECKPOINT_DIR ? absolute(vars.AUDIT_CHECKPOINT_DIR, cwd) : resolve(dataDir, 'audit-checkpoints'),
      keyVersion: vars.AUDIT_CHECKPOINT_KEY_VERSION,
    },
    vault: {
      versionsKept: vars.VAULT_VERSIONS_KEPT,
      maxSecrets: vars.VAULT_MAX_SECRETS,
      revealsPerMinute: vars.VAULT_REVEALS_PER_MINUTE,
      workspaceRevealsPerMinute: vars.VAULT_WORKSPACE_REVEALS_PER_MINUTE,
    },
    cosigner: {
      providers: cosignerProviders,
      responseKeyVersion: vars.COSIGNER_RESPONSE_KEY_VERSION,
      decisionDeadlineMs: vars.COSIGNER_DECISION_DEADLINE_MS,
      decisionTimeoutMs: vars.COSIGNER_DECISION_TIMEOUT_MS,
      resubmitAfterMs: vars.TRANSFER_RESUBMIT_AFTER_MS,
      resubmitBatch: vars.TRANSFER_RESUBMIT_BATCH,
      inbound: { providers: inbound, retentionHours: vars.INBOUND_EVENT_RETENTION_HOURS },
    },
    custody: {
      providers: cosignerProviders,
      dataDir,
      simulator: {
        cosigner: vars.SIMULATOR_COSIGNER_ENABLED,
        webhooks: vars.SIMULATOR_WEBHOOKS_ENABLED && inbound.some((entry) => entry.provider === SIMULATOR_PROVIDER),
        retryIntervalMs: vars.SIMULATOR_RETRY_INTERVAL_MS,
        retryForMs: vars.SIMULATOR_RETRY_FOR_MS,
      },
      ...(fireblocks
        ? {
            fireblocks: {
              baseUrl: vars.FIREBLOCKS_BASE_URL!,
              timeoutMs: vars.FIREBLOCKS_TIMEOUT_MS,
              ...(vars.FIREBLOCKS_API_KEY_VERSION === undefined ? {} : { apiKeyVersion: vars.FIREBLOCKS_API_KEY_VERSION }),
            },
          }
        : {}),
    },
    idempotency: { ttlHours: vars.IDEMPOTENCY_KEY_TTL_HOURS },
    webhooks: {
      endpointPolicy: {
        allowHttp: !production && (vars.WEBHOOK_ALLOW_HTTP ?? true),
        allowedPorts: (vars.WEBHOOK_ALLOWED_PORTS ?? []).map(Number),
      },
      maxEndpoints: vars.WEBHOOK_MAX_ENDPOINTS,
      rotationGraceHours: vars.WEBHOOK_SECRET_GRACE_HOURS,
      concurrency: vars.WEBHOOK_CONCURRENCY,
      endpointConcurrency: vars.WEBHOOK_ENDPOINT_CONCURRENCY,
      disableAfterDays: vars.WEBHOOK_DISABLE_AFTER_DAYS,
    },
    adminAuth: {
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
      signingKeyVersion: vars.JWT_SIGNING_KEY_VERSION,
      accessTokenTtlSeconds: vars.ACCESS_TOKEN_TTL_SECONDS,
      sessionTtlSeconds: vars.ADMIN_SESSION_TTL_SECONDS,
      sessionCacheMs: vars.ADMIN_SESSION_CACHE_MS,
      consoleUrl: vars.CONSOLE_URL,
      // Never in production: a printed password would end up in a log collector there.
      bootstrapEmail: production ? undefined : (vars.BOOTSTRAP_ADMIN_EMAIL ?? (vars.DATABASE_URL ? undefined : 'owner@ringfence.local')),
    },
    mail:
      mailTransport === 'smtp'
        ? { transport: 'smtp', url: vars.SMTP_URL!, from: vars.MAIL_FROM }
        : { transport: 'file', directory: resolve(dataDir, 'mail'), from: vars.MAIL_FROM },
  };
}

function parsePlans(json: string | undefined, problems: string[]): PlanCatalogue {
  if (json === undefined) return DEFAULT_PLANS;
  let catalogue: unknown;
  try {
    catalogue = JSON.parse(json);
  } catch {
    problems.push('RATE_LIMIT_PLANS must be JSON');
    return DEFAULT_PLANS;
  }
  problems.push(...catalogueProblems(catalogue).map((problem) => `RATE_LIMIT_PLANS ${problem}`));
  return catalogue as PlanCatalogue;
}

/** A provider API's origin: http(s), no credentials, query or fragment; https in production. Named, never echoed. */
function baseUrlProblems(name: string, value: string | undefined, production: boolean): string[] {
  if (value === undefined) return [`${name} is required when COSIGNER_PROVIDERS names its provider`];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${name} must be an absolute http(s) URL`];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [`${name} must be an absolute http(s) URL`];
  if (url.username || url.password || url.search || url.hash) return [`${name} must hold no credentials, query or fragment`];
  if (production && url.protocol !== 'https:') return [`${name} must be https in production`];
  return [];
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

/**
 * INBOUND_WEBHOOK_PROVIDERS as `{ provider, scheme }`: each a configured co-signer provider
 * (its transfers are the ones its events move), named once. Unset: the simulator, signing as
 * Fireblocks does, when it is configured.
 */
function inboundProviders(
  given: readonly string[] | undefined,
  cosignerProviders: readonly string[],
  problems: string[],
): InboundProvider[] {
  if (given === undefined)
    return cosignerProviders.includes(SIMULATOR_PROVIDER) ? [{ provider: SIMULATOR_PROVIDER, scheme: 'fireblocks' }] : [];
  const entries = given.map((entry) => {
    const [provider, scheme] = entry.split(':') as [string, string];
    return { provider, scheme: scheme as InboundScheme };
  });
  for (const { provider, scheme } of entries) {
    if (!INBOUND_SCHEMES.includes(scheme)) continue;
    if (!cosignerProviders.includes(provider))
      problems.push(`INBOUND_WEBHOOK_PROVIDERS names "${provider}", which COSIGNER_PROVIDERS does not`);
  }
  if (new Set(entries.map((entry) => entry.provider)).size !== entries.length)
    problems.push('INBOUND_WEBHOOK_PROVIDERS names a provider twice');
  return entries;
}
