import { NestFactory } from '@nestjs/core';
import { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule, AppModuleOptions } from './app.module';
import { loadConfig } from './config/app-config';
import { assertUnprivilegedAppRole } from './database/app-role.check';
import { warmPool } from './database/pool-warmup';
import { configureHttpBoundary, createFastifyAdapter } from './http/http-boundary';
import { RouteMethodIndex } from './http/route-method-index';
import { serveConsole } from './console-host/console-host';
import { NestLogger } from './logging/nest-logger';
import { Metrics } from './metrics/metrics';
import { buildOpenApiDocument, serveOpenApi } from './openapi/openapi-document';
import { BOUNDARY_PROBLEMS, PROBLEM_CATALOGUE } from './problem-catalogue';

/** Builds and initialises the application exactly as `main` serves it (tests use this too). */
export async function createApplication(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const routes = new RouteMethodIndex();
  const metrics = options.metrics ?? new Metrics();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register({ ...options, metrics }),
    createFastifyAdapter(options.config, options.logger, routes, metrics, options.tracing),
    { rawBody: true, bufferLogs: true, abortOnError: false },
  );
  // Nest's own logs go through the same pino logger. Not nestjs-pino's LoggerModule: its
  // per-request middleware would add Fastify middie to every request, and our request
  // lines already come from Fastify's logger.
  app.useLogger(new NestLogger(new PinoLogger({ pinoHttp: { logger: options.logger } }), {}));
  configureHttpBoundary(app, options.config, routes);
  if (options.config.http.docsEnabled) serveOpenApi(app, buildOpenApiDocument(app, PROBLEM_CATALOGUE, BOUNDARY_PROBLEMS));
  if (options.config.role !== 'worker') serveConsole(app, options.logger);
  await app.init();
  await assertUnprivilegedAppRole(app.get(DataSource));
  await warmPool(app.get(DataSource), options.config.database.poolSize);
  return app;
}

/**
 * The module graph without a database or key material (Nest preview mode): enough to
 * read routes and their metadata, for the OpenAPI document and the access inventory.
 */
export function createPreviewApplication(features: Type[] = []): Promise<INestApplication> {
  return NestFactory.create(
    AppModule.register({
      config: loadConfig({ NODE_ENV: 'test' }),
      databaseUrl: 'postgres://unused/unused',
      logger: pino({ level: 'silent' }),
      features,
    }),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
}

/**
 * Graceful stop, in the order that keeps in-flight work whole: stop accepting and let
 * Fastify finish the requests in flight, then run Nest's shutdown (which closes the pool).
 * Nest's own `close()` alone would close the pool before the HTTP server.
 */
export async function shutdownApplication(app: NestFastifyApplication): Promise<void> {
  await app.getHttpAdapter().getInstance().close();
  await app.close();
}
