import { DynamicModule, Module, Type } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '@ringfence/access';
import { AuditModule } from '@ringfence/audit';
import { CryptoModule } from '@ringfence/crypto';
import { RateLimitsModule, RedisRateLimitStorage } from '@ringfence/limits';
import { TenancyModule } from '@ringfence/tenancy';
import type { Logger } from 'pino';
import { AdminIdentityModule } from './admin-identity/admin-identity.module';
import { AuditRoutesModule } from './audit/audit.module';
import { auditCheckpointProviders } from './audit/checkpoints/checkpoint.providers';
import { AppConfig } from './config/app-config';
import { CosignerModule } from './cosigner/cosigner.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { mailTransportProvider } from './mail/mail.providers';
import { MasterKeyRewrapModule } from './master-key-rewrap/master-key-rewrap.module';
import { Metrics } from './metrics/metrics';
import type { RequestTracing } from './telemetry/request-tracing';
import { MetricsModule } from './metrics/metrics.module';
import { RedisKeyRevocations } from './redis/redis-key-revocations';
import { RedisModule } from './redis/redis.module';
import { VaultModule } from './vault/vault.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { KEY_REVOCATIONS } from './workspaces/api-keys/key-revocations';
import { WorkspacesModule } from './workspaces/workspaces.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The app role's connection string, resolved by the database bootstrap. */
  databaseUrl: string;
  logger: Logger;
  /** The application's metrics (GET /metrics); the HTTP boundary counts into the same. */
  metrics?: Metrics;
  /** Set when OpenTelemetry is on (main.ts starts it before anything else loads): the boundary annotates each request's span. */
  tracing?: RequestTracing;
  /** Extra feature modules (tests mount probes here); production passes none. */
  features?: Type[];
}

/**
 * The one deployable application. The request context is opened by a Fastify hook
 * (http-boundary), where the per-address limit (L1) also runs, before the body is read;
 * each route's gate then runs as its `preHandler`, in this order: the AccessGate (deny by
 * default: authentication, roles, scopes; a key it refuses is charged against L2 first),
 * the workspace's browser origins (for keys used from a browser), the per-key and
 * per-workspace limit (L2). Mutating routes carry the request-transaction interceptor
 * through `@Audited`, and the audit row is written inside that transaction, before commit.
 * With REDIS_URL, limits and key revocations are shared by every instance.
 */
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    const redis = config.redisUrl;
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          // No entities: TypeORM is the pool and the transactions, the SQL is ours (docs/adr/0014-data-access.md).
          synchronize: false,
          migrationsRun: false,
          logging: false,
          // Nothing on the request path waits without bound: for a connection (pg-pool's
          // acquire and connect timeout), for a statement, for a lock, or in a transaction
          // left idle. Long-running work raises its own transactions' limits (UnitOfWork).
          extra: {
            max: config.database.poolSize,
            application_name: 'ringfence-api',
            connectionTimeoutMillis: config.database.timeouts.acquireMs,
            // Connections opened at boot stay open (see warmPool): none is opened under load.
            min: config.database.poolSize,
            statement_timeout: config.database.timeouts.statementMs,
            lock_timeout: config.database.timeouts.lockMs,
            idle_in_transaction_session_timeout: config.database.timeouts.idleInTransactionMs,
          },
        }),
        CryptoModule.forRoot({ secretsDir: config.secretsDir, activeMasterKeyVersion: config.activeMasterKeyVersion }),
        // The one place the role decides which background jobs run here (JobRegistry): `worker`
        // and `all` run the cluster jobs (audit chain, purge, mail); every role runs its own
        // instance jobs (caches, API-key usage, the memory limits' sweep). A stop gives the
        // running jobs half of its grace.
        TenancyModule.forRoot({
          longRunningTimeoutMs: config.database.timeouts.longRunningMs,
          jobs: { role: config.role, drainTimeoutMs: Math.floor(config.http.shutdownGraceMs / 2) },
        }),
        AuditModule.forRoot({ retentionDays: config.auditRetentionDays }, auditCheckpointProviders(config.auditCheckpoints)),
        ...(redis ? [RedisModule.forRoot(redis, options.logger)] : []),
        RateLimitsModule.forRoot(config.rateLimits, ...(redis ? [{ provide: ThrottlerStorage, useExisting: RedisRateLimitStorage }] : [])),
        AccessModule,
        AdminIdentityModule.forRoot(
          {
            issuer: config.adminAuth.issuer,
            audience: config.adminAuth.audience,
            accessTokenTtlSeconds: config.adminAuth.accessTokenTtlSeconds,
            sessionTtlSeconds: config.adminAuth.sessionTtlSeconds,
            sessionCacheMs: config.adminAuth.sessionCacheMs,
            signingKeyVersion: config.adminAuth.signingKeyVersion,
            secureCookies: true,
            consoleUrl: config.adminAuth.consoleUrl,
          },
          { providers: [mailTransportProvider(config)] },
        ),
        WorkspacesModule.forRoot({
          apiKeys: { cacheMs: config.apiKeyCacheMs },
          keyRevocations: redis ? { provide: KEY_REVOCATIONS, useExisting: RedisKeyRevocations } : undefined,
        }),
        VaultModule.forRoot(config.vault),
        CosignerModule.forRoot(config.cosigner, config.custody),
        IdempotencyModule.forRoot(config.idempotency),
        WebhooksModule.forRoot(config.webhooks),
        AuditRoutesModule,
        MasterKeyRewrapModule,
        HealthModule,
        MetricsModule.forRoot(options.metrics ?? new Metrics(), config.metrics),
        ...(options.features ?? []),
      ],
    };
  }
}
