// Type-aware lint, zero warnings: floating promises, misused promises and
// non-exhaustive switches are bugs in a security product, not style.
import eslint from '@eslint/js';
import { createRequire } from 'node:module';
import tseslint from 'typescript-eslint';

// CommonJS, so that the specs that run these rules can load them too.
const { rawResult, poolAccess, ormAccess, ormImports } = createRequire(import.meta.url)('./eslint.data-access.cjs');
const { nestException, nestExceptionSubclass, newProblem, defineProblemsElsewhere } = createRequire(import.meta.url)(
  './eslint.problems.cjs',
);
const libThroughIndex = {
  group: ['@ringfence/*/*', '**/libs/*/src/*'],
  message: 'Import a lib through its public index (@ringfence/<lib>).',
};
// Every error answer is a catalogued Problem, a code exists only in a *.problems.ts (docs/adr/0013-problem-catalogue.md).
const problems = [nestException, nestExceptionSubclass, newProblem, defineProblemsElsewhere];
// Nest's @RouteConfig() replaces the whole Fastify route config, where the access declaration
// the gate reads lives (docs/adr/0017): decorators merge into it instead.
const routeConfigReplaced = {
  name: '@nestjs/platform-fastify',
  importNames: ['RouteConfig'],
  message: "RouteConfig replaces the route config that carries the route's access declaration: use mergeRouteConfig (@ringfence/access).",
};
const restricted = (...entries) => ({ 'no-restricted-syntax': ['error', ...entries] });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      '.data/**',
      'bench/results/**',
      'test/client/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [libThroughIndex], paths: [...ormImports, routeConfigReplaced] }],
      // No code made from text at run time (ASVS 5.0 V1.3.2): eval, new Function, a string to setTimeout.
      'no-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      // Strict comparisons only (ASVS 5.0 V15.3.5): no type juggling in ==; `== null` alone, for null or undefined.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // no-restricted-syntax is one list per file: each block below names every entry that holds there.
  // Data access (docs/adr/0014-data-access.md): results through sqlRows, the pool through the unit of work, SQL by hand.
  // Problems (docs/adr/0013-problem-catalogue.md): no Nest HTTP exception made or extended, no Problem made by hand,
  // a catalogue only in a *.problems.ts; specs may build what they test against.
  { files: ['apps/**/*.ts', 'libs/**/*.ts'], rules: restricted(rawResult, poolAccess, ormAccess, ...problems) },
  { files: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'], rules: restricted(rawResult, poolAccess, ormAccess) },
  // Boot checks on the DataSource itself, before any request: the app role's privileges and the pool's warm-up.
  { files: ['apps/api/src/database/**/*.ts'], rules: restricted(rawResult, ormAccess, ...problems) },
  // Where raw results are read and the pool is opened, once, for everyone else.
  { files: ['libs/tenancy/src/sql-rows.ts', 'libs/tenancy/src/unit-of-work.ts'], rules: restricted(ormAccess, ...problems) },
  // Where catalogues are declared, and where Problem and defineProblems are.
  { files: ['**/*.problems.ts'], rules: restricted(rawResult, poolAccess, ormAccess, nestException, nestExceptionSubclass, newProblem) },
  {
    files: ['libs/problems/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.problems.ts'],
    rules: restricted(rawResult, poolAccess, ormAccess, nestException, nestExceptionSubclass),
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
