'use strict';
// Bench only, never shipped: the same build with the SSRF guard's loopback allowance on
// (`allowLoopbackForTests`, which no environment variable can set, as the specs' `configure`
// hook sets it), so that the bench's endpoints can point at its sink on 127.0.0.1. Every other
// rule of the guard stays (http and the sink's port come from WEBHOOK_ALLOW_HTTP and
// WEBHOOK_ALLOWED_PORTS, as anywhere), and every delivery still goes through it. Refused in
// production, and started by bench/run.js only (the API of the webhooks phase and its workers).
if (process.env.NODE_ENV === 'production') {
  process.stderr.write('bench/webhooks-main.js is a bench entry: refused with NODE_ENV=production\n');
  process.exit(78);
}
const appConfig = require('../dist/apps/api/src/config/app-config');

const { loadConfig } = appConfig;
appConfig.loadConfig = (env) => {
  const config = loadConfig(env);
  return {
    ...config,
    webhooks: { ...config.webhooks, endpointPolicy: { ...config.webhooks.endpointPolicy, allowLoopbackForTests: true } },
  };
};
require('../dist/apps/api/src/main.js');
