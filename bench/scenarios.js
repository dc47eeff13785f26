'use strict';
/**
 * Load scenarios. Each runs against the built app and is reported as a ratio to the bare
 * Fastify baseline measured in the same run. Later issues add theirs here.
 * `target`: the minimum ratio the issue that added the scenario asks for.
 */
module.exports = [
  { name: 'GET /health/live', method: 'GET', path: '/health/live', baselinePath: '/health/live', target: 0.6 },
];
