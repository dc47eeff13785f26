/** One run for every tier: unit specs beside the code, database and e2e specs in test/. */
// ts-jest, transpile-only (types are checked by `npm run build` and lint). Not @swc/jest,
// and not Jest 30: their native optional dependencies (@swc/core-*, unrs-resolver) are not
// all on the registry this project installs from, which breaks `npm ci` (docs/adr/0001).
const transpile = ['ts-jest', { isolatedModules: true, diagnostics: false }];
// ES-module-only dependencies that Node loads natively (require(esm)) but Jest 29's module
// registry cannot, on Node 24 as on 20 (re-checked on 24.22: without this list the otplib
// and Swagger-serving specs fail to load): content-disposition (under @fastify/static), and
// @noble/@scure (under otplib). They are transpiled to CommonJS for the test run only.
const ESM_ONLY = ['content-disposition', '@noble/hashes', '@scure/base'];
const esmPattern = ESM_ONLY.map((name) => name.replace('/', '\\/')).join('|');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/prisma-free', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': transpile,
    [`/node_modules/(${esmPattern})/.+\\.js$`]: [
      'ts-jest',
      { isolatedModules: true, diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPattern})/)`],
  moduleNameMapper: {
    '^@ringfence/(access|audit|crypto|limits|problems|tenancy)$': '<rootDir>/libs/$1/src',
    '^@ringfence/migrations$': '<rootDir>/prisma-free',
  },
  // The default reporter, and the security evidence after a full run: docs/evidence/ written, and the
  // run failed on a claim without a passing test (test/evidence/reporter.js, docs/adr/0029).
  reporters: ['default', '<rootDir>/test/evidence/reporter.js'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
