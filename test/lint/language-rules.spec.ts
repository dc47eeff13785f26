import { Linter } from 'eslint';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parser } from 'typescript-eslint';

const ROOT = join(__dirname, '..', '..');
const FILES = ['apps/api/src/main.ts', 'libs/crypto/src/index.ts', 'apps/console/src/main.tsx'];

/** The rules the project's own config applies to a file: ESLint loads it with import(), which Jest's VM lacks, so as the CLI does. */
function rulesFor(file: string): Record<string, unknown> {
  const eslint = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const config = JSON.parse(
    execFileSync(process.execPath, [eslint, '--print-config', file], { cwd: ROOT, encoding: 'utf8' }),
  ) as Linter.Config;
  return config.rules ?? {};
}
const configured = FILES.map((file) => ({ file, rules: rulesFor(file) }));
const level = (rules: Record<string, unknown>, rule: string): unknown => {
  const entry = rules[rule];
  return Array.isArray(entry) ? entry[0] : entry;
};

/** No code made from text at run time in the service (ASVS 5.0 V1.3.2); the console's CSP forbids it in the browser. */
describe('dynamic code lint rules [V1.3.2]', () => {
  it('are errors for every file of the service, the libs and the console, in the project’s own config', () => {
    for (const { file, rules } of configured)
      for (const rule of ['no-eval', 'no-new-func', '@typescript-eslint/no-implied-eval'])
        expect([file, rule, level(rules, rule)]).toEqual([file, rule, 2]);
  });

  it('refuse eval, new Function and a string handed to a timer', () => {
    const linter = new Linter({ configType: 'flat' });
    const code = [`eval(text);`, `const run = new Function('a', text);`, `setTimeout('work()', 10);`, `setTimeout(() => work(), 10);`].join(
      '\n',
    );
    const config: Linter.Config[] = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser, globals: { setTimeout: 'readonly' } },
        rules: { 'no-eval': 'error', 'no-new-func': 'error', 'no-implied-eval': 'error' },
      },
    ];
    expect(linter.verify(code, config, 'snippet.ts').map((message) => `${message.line}: ${message.ruleId}`)).toEqual([
      '1: no-eval',
      '2: no-new-func',
      '3: no-implied-eval',
    ]);
  });
});

/** Strict comparisons only (ASVS 5.0 V15.3.5): `==` juggles types; `== null` alone is kept, for null or undefined. */
describe('strict comparison lint rule [V15.3.5]', () => {
  it('is an error for every file of the service, the libs and the console, in the project’s own config', () => {
    for (const { file, rules } of configured) {
      expect([file, level(rules, 'eqeqeq')]).toEqual([file, 2]);
      expect(rules.eqeqeq).toEqual([2, 'always', { null: 'ignore' }]);
    }
  });

  it('refuses == and != between values, and admits === and == null', () => {
    const linter = new Linter({ configType: 'flat' });
    const code = [`if (a == b) x();`, `if (a != '0') x();`, `if (a === b) x();`, `if (a == null) x();`].join('\n');
    const config: Linter.Config[] = [
      { files: ['**/*.ts'], languageOptions: { parser }, rules: { eqeqeq: ['error', 'always', { null: 'ignore' }] } },
    ];
    expect(linter.verify(code, config, 'snippet.ts').map((message) => `${message.line}: ${message.ruleId}`)).toEqual([
      '1: eqeqeq',
      '2: eqeqeq',
    ]);
  });
});
