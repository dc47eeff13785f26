import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@ringfence/audit';
import { AccessGuard, AdminIdentityModule, ApiKeyAuthModule, AuthModule } from '@ringfence/auth';
import { CryptoModule } from '@ringfence/crypto';
import { TenancyModule } from '@ringfence/tenancy';
import type { Logger } from 'pino';
import { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { mailTransportProvider } from './mail/mail.providers';
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
 * (http-boundary); the one global guard decides access; authenticated routes carry the
 * request-transaction interceptor through their access decorator, and the audit row is
 * written inside that transaction, before commit.
 */
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
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
          extra: { max: config.database.poolSize, application_name: 'ringfence-api' },
        }),
        CryptoModule.forRoot({ secretsDir: config.secretsDir, activeMasterKeyVersion: config.activeMasterKeyVersion }),
        TenancyModule,
        AuditModule,
        AuthModule,
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
            runMailWorker: config.role !== 'api',
          },
          { providers: [mailTransportProvider(config)] },
        ),
        ApiKeyAuthModule.forRoot({ cacheMs: config.apiKeyCacheMs }),
        WorkspacesModule,
        HealthModule,
        ...(options.features ?? []),
      ],
      providers: [{ provide: APP_GUARD, useExisting: AccessGuard }],
    };
  }
}
