import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard, AccessModule } from '@ringfence/access';
import { AuditModule } from '@ringfence/audit';
import { CryptoModule } from '@ringfence/crypto';
import { RateLimitsModule, WorkspaceLimitGuard, RedisRateLimitStorage } from '@ringfence/limits';
import { TenancyModule } from '@ringfence/tenancy';
import type { Logger } from 'pino';
import { AdminIdentityModule } from './admin-identity/admin-identity.module';
import { AuditRoutesModule } from './audit/audit.module';
import { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { mailTransportProvider } from './mail/mail.providers';
import { MasterKeyRewrapModule } from './master-key-rewrap/master-key-rewrap.module';
import { RedisKeyRevocations } from './redis/redis-key-revocations';
import { RedisModule } from './redis/redis.module';
import { VaultModule } from './vault/vault.module';
import { KEY_REVOCATIONS } from './workspaces/api-keys/key-revocations';
import { WorkspaceOriginGuard } from './workspaces/workspace-origin.guard';
import { WorkspacesModule } from './workspaces/workspaces.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The app role's connection string, resolved by the database bootstrap. */
  databaseUrl: string;
  logger: Logger;
  /** Extra feature modules (tests mount probes here); production passes none. */
  features?: Type[];
}

/**
 * The one deployable application. The request context is opened by a Fastify hook
 * (http-boundary), where the per-address limit (L1) also runs, before the body is read;
 * global guards run in this order: the AccessGuard (deny by default: authentication,
 * roles, scopes; a key it refuses is charged against L2 first), the workspace's browser
 * origins (for keys used from a browser), the per-key and per-workspace limit (L2). Mutating routes carry the request-transaction interceptor
 * through `@Audited`, and the audit row is written inside that transaction, before commit.
 * With REDIS_URL, limits and key revocations are shared by every instance.
 */
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    const redis = config.redisUrl;
    // `worker` and `all` run the background jobs (sealer, mail, purge); `api` serves requests only.
    const runsJobs = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          autoLoadEntities: true,
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
        TenancyModule.forRoot({ longRunningTimeoutMs: config.database.timeouts.longRunningMs }),
        AuditModule.forRoot({ seal: runsJobs, retentionDays: config.auditRetentionDays }),
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
            runMailWorker: runsJobs,
          },
          { providers: [mailTransportProvider(config)] },
        ),
        WorkspacesModule.forRoot({
          jobs: { purge: runsJobs },
          apiKeys: { cacheMs: config.apiKeyCacheMs },
          keyRevocations: redis ? { provide: KEY_REVOCATIONS, useExisting: RedisKeyRevocations } : undefined,
        }),
        VaultModule.forRoot(config.vault),
        AuditRoutesModule,
        MasterKeyRewrapModule,
        HealthModule,
        ...(options.features ?? []),
      ],
      // Global guards run in the order they are provided.
      providers: [
        { provide: APP_GUARD, useExisting: AccessGuard },
        { provide: APP_GUARD, useExisting: WorkspaceOriginGuard },
        { provide: APP_GUARD, useExisting: WorkspaceLimitGuard },
      ],
    };
  }
}
