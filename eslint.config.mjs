// Type-aware lint, zero warnings: floating promises, misused promises and
// non-exhaustive switches are bugs in a security product, not style.
import eslint from '@eslint/js';
import { createRequire } from 'node:module';
import tseslint from 'typescript-eslint';

// CommonJS, so that the spec that runs these rules can load them too.
const { rawResult, poolAccess, ormAccess, ormImports } = createRequire(import.meta.url)('./eslint.data-access.cjs');
const libThroughIndex = { group: ['@ringfence/*/*', '**/libs/*/src/*'], message: 'Import a lib through its public index (@ringfence/<lib>).' };

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
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
      'no-restricted-imports': ['error', { patterns: [libThroughIndex], paths: ormImports }],
    },
  },
  // Data access (docs/adr/0014-data-access.md): results through sqlRows, the pool through the unit of work, SQL by hand.
  { files: ['apps/**/*.ts', 'libs/**/*.ts'], rules: { 'no-restricted-syntax': ['error', rawResult, poolAccess, ormAccess] } },
  // Boot checks on the DataSource itself, before any request: the app role's privileges and the pool's warm-up.
  { files: ['apps/api/src/database/**/*.ts'], rules: { 'no-restricted-syntax': ['error', rawResult, ormAccess] } },
  // Where raw results are read and the pool is opened, once, for everyone else.
  { files: ['libs/tenancy/src/sql-rows.ts', 'libs/tenancy/src/unit-of-work.ts'], rules: { 'no-restricted-syntax': ['error', ormAccess] } },
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
