// Type-aware lint, zero warnings: floating promises, misused promises and
// non-exhaustive switches are bugs in a security product, not style.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const NEW_PROBLEM = {
  selector: "NewExpression[callee.name='Problem']",
  message: "A Problem is made by its catalogue's factory (VaultProblems.SECRET_EXISTS({ detail })), never with new.",
};
const PROBLEM_RULES = [
  {
    selector: 'NewExpression[callee.name=/Exception$/]',
    message: 'Throw a catalogued Problem (defineProblems in the feature\'s *.problems.ts), not a Nest HTTP exception.',
  },
  {
    selector: 'ClassDeclaration[superClass.name=/Exception$/]',
    message: 'Throw a catalogued Problem (defineProblems in the feature\'s *.problems.ts), not a Nest HTTP exception.',
  },
  NEW_PROBLEM,
];
const DEFINE_PROBLEMS_ELSEWHERE = {
  selector: "CallExpression[callee.name='defineProblems']",
  message: "A feature's problems are declared in its <feature>.problems.ts, listed in apps/api/src/problem-catalogue.ts.",
};

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
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
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@ringfence/*/*', '**/libs/*/src/*'], message: 'Import a lib through its public index (@ringfence/<lib>).' }] },
      ],
    },
  },
  {
    // Every error answer is a catalogued Problem (docs/adr/0013-problem-catalogue.md): no
    // Nest HTTP exception is made or extended, and a code exists only in a *.problems.ts.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...PROBLEM_RULES, DEFINE_PROBLEMS_ELSEWHERE],
    },
  },
  {
    files: ['**/*.problems.ts'],
    rules: { 'no-restricted-syntax': ['error', ...PROBLEM_RULES] },
  },
  {
    files: ['libs/problems/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.problems.ts'],
    rules: { 'no-restricted-syntax': ['error', ...PROBLEM_RULES.filter((rule) => rule !== NEW_PROBLEM)] },
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
