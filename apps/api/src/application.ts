import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule, AppModuleOptions } from './app.module';
import { assertUnprivilegedAppRole } from './database/app-role.check';
import { configureHttpBoundary, createFastifyAdapter } from './http/http-boundary';
import { RouteMethodIndex } from './http/route-method-index';
import { buildOpenApiDocument, serveOpenApi } from './openapi/openapi-document';

/** Builds and initialises the application exactly as `main` serves it (tests use this too). */
export async function createApplication(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const routes = new RouteMethodIndex();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(options),
    createFastifyAdapter(options.config, options.logger, routes),
    { rawBody: true, bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(PinoNestLogger));
  await configureHttpBoundary(app, options.config, routes);
  if (options.config.http.docsEnabled) serveOpenApi(app, buildOpenApiDocument(app));
  await app.init();
  await assertUnprivilegedAppRole(app.get(DataSource));
  return app;
}
