import { Controller, Get, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { loadConfig } from '../config/app-config';
import { createFastifyAdapter } from './http-boundary';
import { RouteMethodIndex } from './route-method-index';

@Controller('probe')
class ProbeController {
  @Get()
  probe(): string {
    return 'reached';
  }
}

@Module({ controllers: [ProbeController] })
class WithMiddleware implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply((_request: unknown, _response: unknown, next: () => void) => next()).forRoutes('*');
  }
}

describe('the HTTP boundary without Nest middleware', () => {
  it('refuses to boot a module that configures middleware, rather than serve without it', async () => {
    const adapter = createFastifyAdapter(loadConfig({ NODE_ENV: 'test' }), pino({ level: 'silent' }), new RouteMethodIndex());
    const app = await NestFactory.create(WithMiddleware, adapter, { logger: false, abortOnError: false });
    try {
      await expect(app.init()).rejects.toThrow(TypeError);
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
