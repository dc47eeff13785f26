import { Linter } from 'eslint';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parser } from 'typescript-eslint';

const ROOT = join(__dirname, '..', '..');
const RULES = ['no-eval', 'no-new-func', '@typescript-eslint/no-implied-eval'] as const;

/** No code made from text at run time in the service (ASVS 5.0 V1.3.2); the console's CSP forbids it in the browser. */
describe('dynamic code lint rules [V1.3.2]', () => {
  it('are errors for every file of the service, the libs and the console, in the project’s own config', () => {
    // ESLint loads its config with import(), which Jest's VM does not offer: as the CLI does, in a process of its own.
    const eslint = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
    for (const file of ['apps/api/src/main.ts', 'libs/crypto/src/index.ts', 'apps/console/src/main.tsx']) {
      const config = JSON.parse(
        execFileSync(process.execPath, [eslint, '--print-config', file], { cwd: ROOT, encoding: 'utf8' }),
      ) as Linter.Config;
      for (const rule of RULES)
        expect([file, rule, JSON.stringify(config.rules?.[rule])]).toEqual([file, rule, expect.stringMatching(/^\[2\b|^2$|"error"/)]);
    }
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
