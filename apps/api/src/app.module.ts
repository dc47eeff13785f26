import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { AuditInterceptor, AuditModule } from '@ringfence/audit';
import { AccessGuard, AuthModule } from '@ringfence/auth';
import { CryptoModule } from '@ringfence/crypto';
import { TenancyModule, TenantTransactionInterceptor } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { ClsGuard, ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The app role's connection string, resolved by the database bootstrap. */
  databaseUrl: string;
  logger: Logger;
  /** Extra feature modules (tests mount probes here); production passes none. */
  features?: Type[];
}

/**
 * The one deployable application. Guards and interceptors are registered here, in
 * pipeline order: context → access; transaction → audit (the audit row is written
 * inside the request's transaction).
 */
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger: options.logger }, useExisting: true }),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          autoLoadEntities: true,
          synchronize: false,
          migrationsRun: false,
          logging: false,
          extra: { max: config.database.poolSize, application_name: 'ringfence-api' },
        }),
        ClsModule.forRoot({
          global: true,
          guard: {
            mount: false,
            generateId: true,
            idGenerator: (execution) => String(execution.switchToHttp().getRequest<FastifyRequest>().id),
            setup: (cls, execution) => {
              const request = execution.switchToHttp().getRequest<FastifyRequest>();
              cls.set('clientIp', request.ip);
              cls.set('userAgent', request.headers['user-agent']?.slice(0, 512));
            },
          },
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
            }),
          ],
        }),
        CryptoModule.forRoot({ secretsDir: config.secretsDir, activeMasterKeyVersion: config.activeMasterKeyVersion }),
        TenancyModule,
        AuditModule,
        AuthModule,
        HealthModule,
        ...(options.features ?? []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: ClsGuard },
        { provide: APP_GUARD, useExisting: AccessGuard },
        { provide: APP_INTERCEPTOR, useExisting: TenantTransactionInterceptor },
        { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor },
      ],
    };
  }
}
