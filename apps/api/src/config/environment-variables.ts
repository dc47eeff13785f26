import { Transform } from 'class-transformer';
import { ArrayUnique, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { PROVIDER_NAME } from '../cosigner/protocol/cosigner-keys';

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;

const toInteger = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;
const IP_OR_CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]+)(?:\/\d{1,3})?$/;

/**
 * Every environment variable the service reads, validated at boot. A secret has no
 * default; messages name the variable and never echo its value.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsIn(['api', 'worker', 'all'])
  RINGFENCE_ROLE: 'api' | 'worker' | 'all' = 'all';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** The app role's connection. Absent: an embedded PostgreSQL (refused in production). */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** The owner role's connection, for migrations only. */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'DATABASE_MIGRATION_URL must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ON_BOOT = true;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** How long a request waits for a pooled connection (or a new one to open) before it answers 503. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(60_000)
  DATABASE_ACQUIRE_TIMEOUT_MS = 2000;

  /** `statement_timeout` of the app's connections: a statement running longer is cancelled (503). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(600_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 3000;

  /** `lock_timeout` of the app's connections: a statement waiting longer for a lock gives up (503). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(600_000)
  DATABASE_LOCK_TIMEOUT_MS = 2000;

  /** `idle_in_transaction_session_timeout`: a transaction left idle longer is ended by the server, its locks released. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

  /**
   * The allowance of work that legitimately runs long (audit sealing, retention, verification
   * and export, key rewrapping, the workspace purge): its statement, lock and idle
   * timeouts, set for its own transactions only.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  DATABASE_LONG_RUNNING_TIMEOUT_MS = 600_000;

  /** Where the embedded database, development secrets and mail files live. */
  @IsString()
  RINGFENCE_DATA_DIR = '.data';

  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  /** The host secrets directory; defaults to `<data dir>/secrets` outside production. */
  @IsOptional()
  @IsString()
  RINGFENCE_SECRETS_DIR?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MASTER_KEY_ACTIVE_VERSION?: number;

  @Transform(toList)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { each: true })
  CORS_ORIGINS: string[] = [];

  @Transform(toList)
  @Matches(IP_OR_CIDR, { each: true, message: 'TRUSTED_PROXIES must hold IP addresses or CIDR ranges' })
  TRUSTED_PROXIES: string[] = [];

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  /**
   * The bearer token `GET /metrics` asks for (docs/adr/0023-observability.md). Unset: the
   * route answers 404 in production, and only loopback clients elsewhere.
   */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, { message: 'METRICS_TOKEN must be 32 to 256 printable ASCII characters without spaces' })
  METRICS_TOKEN?: string;

  /** OpenTelemetry tracing on (OTLP over HTTP); on by itself when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  OTEL_ENABLED?: boolean;

  /** Where spans are sent (OTLP/HTTP, e.g. http://collector:4318); the exporter appends /v1/traces. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** `pretty`: readable lines (pino-pretty, a development dependency); `json`; unset: pretty on a terminal outside production. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(120000)
  SHUTDOWN_GRACE_MS = 10000;

  /** A request's headers and body must have arrived within this (a stalled upload holds a socket). */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(300000)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  /** Open connections in all (default: 80 % of the process's open-file limit). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(16)
  @Max(1000000)
  HTTP_MAX_CONNECTIONS?: number;

  /** Open connections from one client address (IPv6 per /64); trusted proxies are exempt. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  HTTP_MAX_CONNECTIONS_PER_ADDRESS = 256;

  /** `iss` of admin access tokens. */
  @IsString()
  @Matches(/^\S{1,200}$/, { message: 'JWT_ISSUER must be a non-empty string without spaces' })
  JWT_ISSUER = 'ringfence';

  /** `aud` of admin access tokens. */
  @IsString()
  @Matches(/^\S{1,200}$/, { message: 'JWT_AUDIENCE must be a non-empty string without spaces' })
  JWT_AUDIENCE = 'ringfence-admin';

  /** The audit checkpoint signing key version (`audit-checkpoint.vN.pem`, Ed25519); the highest present when unset. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUDIT_CHECKPOINT_KEY_VERSION?: number;

  /** Where the signed audit checkpoints are appended, outside PostgreSQL; `<RINGFENCE_DATA_DIR>/audit-checkpoints` when unset. */
  @IsOptional()
  @IsString()
  AUDIT_CHECKPOINT_DIR?: string;

  /** The signing key version (`jwt-signing.vN.pem`); the highest present when unset. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  JWT_SIGNING_KEY_VERSION?: number;

  /** Admin access-token lifetime: 10 to 15 minutes. */
  @Transform(toInteger)
  @IsInt()
  @Min(600)
  @Max(900)
  ACCESS_TOKEN_TTL_SECONDS = 600;

  /** Absolute lifetime of an admin session (its refresh-token family): 1 to 72 hours. */
  @Transform(toInteger)
  @IsInt()
  @Min(3600)
  @Max(259200)
  ADMIN_SESSION_TTL_SECONDS = 43200;

  /** How long an admin session's state is served from memory: a change made on another instance is seen within it. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(5000)
  ADMIN_SESSION_CACHE_MS = 1000;

  /** How long a verified API key is served from memory: revocation reaches other instances within it. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(4000)
  API_KEY_CACHE_MS = 2000;

  /** The admin console's URL (where `/console` is served), for links in mail. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  CONSOLE_URL = 'http://localhost:3000/console';

  /** `file`: mail written under `<data dir>/mail` (development); `smtp`: sent through SMTP_URL. */
  @IsOptional()
  @IsIn(['file', 'smtp'])
  MAIL_TRANSPORT?: 'file' | 'smtp';

  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'Ringfence <no-reply@ringfence.local>';

  /** Shared rate-limit counters and key revocations across instances. Absent: in memory, one instance. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /**
   * L1: requests per client address and sliding minute, before authentication. It counts
   * keyed requests too, so keep it at or above the largest plan's per-workspace limit
   * (integrations often share one egress address).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_IP_PER_MINUTE = 6000;

  /** The plan catalogue as JSON (`{"standard":{"perKeyPerMinute":600,"perWorkspacePerMinute":1200},…}`); the built-in one when unset. */
  @IsOptional()
  @IsString()
  RATE_LIMIT_PLANS?: string;

  /** Audit rows are kept at least this long; whole months past it are dropped (checkpointed and audited). */
  @Transform(toInteger)
  @IsInt()
  @Min(30)
  @Max(36500)
  AUDIT_RETENTION_DAYS = 90;

  /** Versions of a vault secret kept: adding one past this destroys the oldest. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  VAULT_VERSIONS_KEPT = 5;

  /** Secrets per workspace and environment. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  VAULT_MAX_SECRETS = 1000;

  /** Reveals per API key and minute (sliding window), on top of the key's request limit. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  VAULT_REVEALS_PER_MINUTE = 60;

  /** Reveals per vault (workspace and environment) and minute, whichever keys ask: new keys do not buy new reveals. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  VAULT_WORKSPACE_REVEALS_PER_MINUTE = 600;

  /**
   * The custody providers whose co-signer calls `/v1/cosigner/:provider`, comma-separated;
   * each needs its `cosigner-<provider>.pub.vN.pem`. Default: `simulator` outside
   * production, none in production (where `simulator` is refused).
   */
  @IsOptional()
  @Transform(toList)
  @Matches(PROVIDER_NAME, {
    each: true,
    message: 'COSIGNER_PROVIDERS must hold provider names of 1 to 32 lower-case letters, digits and dashes, starting with a letter',
  })
  @ArrayUnique({ message: 'COSIGNER_PROVIDERS names a provider twice' })
  COSIGNER_PROVIDERS?: string[];

  /** The response key version (`cosigner-response.vN.pem`) that signs the co-signer answers; the highest present when unset. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  COSIGNER_RESPONSE_KEY_VERSION?: number;

  /** From the first sight of a requestId, a decision that fails (database, evaluation) answers RETRY this long, then REJECT. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  COSIGNER_DECISION_DEADLINE_MS = 600_000;

  /** Statement and lock timeout of a decision's transaction: the provider fails a request unanswered within 30 s. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(20_000)
  COSIGNER_DECISION_TIMEOUT_MS = 5000;

  /**
   * A transfer still `submitted` this long after its creation (its submission failed for a
   * while) is handed to its provider again by the transfer-resubmit job; the provider dedupes
   * on the external reference.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  TRANSFER_RESUBMIT_AFTER_MS = 30_000;

  /** At most this many transfers handed again per turn of the transfer-resubmit job, oldest first. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  TRANSFER_RESUBMIT_BATCH = 50;

  /**
   * The Fireblocks-shaped API's origin (`https://api.fireblocks.io`; requests go to
   * `<base>/v1/…`), required when COSIGNER_PROVIDERS names `fireblocks`; https in production.
   */
  @IsOptional()
  @IsString()
  FIREBLOCKS_BASE_URL?: string;

  /** One call to the Fireblocks API, connection to the answer's last byte; then the transfer stays submitted, to be submitted again. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(30_000)
  FIREBLOCKS_TIMEOUT_MS = 10_000;

  /** Which `fireblocks-api-key.vN.key` (with its `fireblocks-api.vN.pem`) signs the API calls; the highest present when unset. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  FIREBLOCKS_API_KEY_VERSION?: number;

  /**
   * The provider simulator (development and tests): its co-signer asks our callback about
   * each transaction it accepts. Off for specs that sign their own callbacks as the simulator.
   */
  @Transform(toBoolean)
  @IsBoolean()
  SIMULATOR_COSIGNER_ENABLED = true;

  /**
   * The simulator announces each transaction it settles (COMPLETED, REJECTED, FAILED) to
   * `/v1/inbound/simulator/webhooks`, signed as Fireblocks signs its webhooks (when the
   * `simulator` provider's inbound events are configured).
   */
  @Transform(toBoolean)
  @IsBoolean()
  SIMULATOR_WEBHOOKS_ENABLED = true;

  /** After a RETRY the simulator's co-signer sends the same request again this long after (the provider's default: 3 minutes). */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  SIMULATOR_RETRY_INTERVAL_MS = 180_000;

  /** The simulator's co-signer retries for this long from its first call, then fails the transaction (the provider's default: 60 minutes). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  SIMULATOR_RETRY_FOR_MS = 3_600_000;

  /**
   * The providers that send their transactions' events to `/v1/inbound/:provider/webhooks`,
   * comma-separated, each `<provider>:<scheme>`: `fireblocks` (an RSA-SHA512 signature of the
   * body in `Fireblocks-Signature`, with `webhook-<provider>.pub.vN.pem`) or `standard`
   * (Standard Webhooks, with the `whsec_` secrets `webhook-<provider>.secret.vN.key`). Each is
   * a COSIGNER_PROVIDERS name. Default: `simulator:fireblocks` when the simulator is
   * configured, none otherwise (docs/adr/0022-inbound-provider-events.md).
   */
  @IsOptional()
  @Transform(toList)
  @Matches(/^[a-z][a-z0-9-]{0,31}:(fireblocks|standard)$/, {
    each: true,
    message: 'INBOUND_WEBHOOK_PROVIDERS must hold <provider>:<scheme> pairs, the scheme fireblocks or standard',
  })
  INBOUND_WEBHOOK_PROVIDERS?: string[];

  /** How long a provider's event id is remembered (a second delivery of it processes nothing), in hours; purged hourly. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(8760)
  INBOUND_EVENT_RETENTION_HOURS = 720;

  /**
   * How long an Idempotency-Key's answer is kept and replayed, in hours; at least 24 (the
   * IETF draft's and Stripe's minimum: a client retries within a day). Expired keys act as
   * new and are purged hourly (docs/adr/0020-idempotency-keys.md).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(24)
  @Max(8760)
  IDEMPOTENCY_KEY_TTL_HOURS = 24;

  /** Accept `http:` webhook endpoints (development only: refused in production, where endpoints are https). Default: on outside production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP?: boolean;

  /** Ports a webhook endpoint may use besides 443 and 80, comma-separated. */
  @IsOptional()
  @Transform(toList)
  @Matches(/^\d{1,5}$/, { each: true, message: 'WEBHOOK_ALLOWED_PORTS must hold port numbers' })
  WEBHOOK_ALLOWED_PORTS?: string[];

  /** Webhook endpoints per workspace and environment. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_ENDPOINTS = 20;

  /** How long a rotated webhook secret keeps signing beside the new one, unless the rotation names another time. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(168)
  WEBHOOK_SECRET_GRACE_HOURS = 24;

  /** Webhook deliveries in flight at once in one worker. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_CONCURRENCY = 64;

  /** Deliveries of one endpoint in flight at once, across every worker: one slow endpoint holds no more of anyone's slots. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_ENDPOINT_CONCURRENCY = 16;

  /** An endpoint failing with no success for this many days is disabled (audited, and announced as `webhook.endpoint.disabled`). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(90)
  WEBHOOK_DISABLE_AFTER_DAYS = 5;

  /** The first owner's email, created (with a one-time password printed once) on the first start. */
  @IsOptional()
  @IsString()
  BOOTSTRAP_ADMIN_EMAIL?: string;
}
