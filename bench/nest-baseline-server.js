'use strict';
// A reference point, not a target: bare Nest 11 on Fastify with one controller, so the
// report shows how much of the gap to bare Fastify is the framework's own.
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class HealthController {
  live() {
    return { status: 'ok' };
  }
}
Controller('health')(HealthController);
Get('live')(HealthController.prototype, 'live', Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'));
class BareModule {}
Module({ controllers: [HealthController] })(BareModule);

NestFactory.create(BareModule, new FastifyAdapter(), { logger: false })
  .then((app) => app.listen(Number(process.env.PORT), '127.0.0.1'))
  .then(
    () => process.send?.('ready'),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
