'use strict';
// The baseline every scenario is measured against: bare Fastify, same machine, same run.
const fastify = require('fastify')({ logger: false });

fastify.get('/health/live', async () => ({ status: 'ok' }));

fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(
  () => process.send?.('ready'),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
