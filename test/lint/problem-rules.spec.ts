import { Linter } from 'eslint';
import { parser } from 'typescript-eslint';

// The very entries eslint.config.mjs applies to apps/ and libs/.
const { nestException, nestExceptionSubclass, newProblem, defineProblemsElsewhere } = require('../../eslint.problems.cjs');

/** The problem-catalogue lint rules (docs/adr/0013-problem-catalogue.md) on code that breaks them, and on code that keeps them. */
describe('problem-catalogue lint rules', () => {
  const linter = new Linter({ configType: 'flat' });

  function problems(code: string): string[] {
    const config: Linter.Config[] = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser },
        rules: { 'no-restricted-syntax': ['error', nestException, nestExceptionSubclass, newProblem, defineProblemsElsewhere] },
      },
    ];
    return linter.verify(code, config, 'snippet.ts').map((message) => `${message.line}: ${message.message.split(' (')[0]}`);
  }

  it('refuses a Nest HTTP exception made or extended, a Problem made by hand and a catalogue outside a *.problems.ts', () => {
    const code = [
      `throw new ConflictException({ code: 'SECRET_EXISTS', detail: 'taken' });`,
      `const refused = new HttpException({ code: 'X' }, 418);`,
      `class NotReadyException extends ServiceUnavailableException {}`,
      `throw new Problem(VaultProblems.SECRET_EXISTS);`,
      `export const Mine = defineProblems({ MINE: { status: 400, detail: 'x' } });`,
    ].join('\n');
    expect(problems(code)).toEqual([
      `1: Throw a catalogued Problem`,
      `2: Throw a catalogued Problem`,
      `3: Throw a catalogued Problem`,
      `4: A Problem is made by its catalogue's factory`,
      `5: A feature's problems are declared in its <feature>.problems.ts, listed in apps/api/src/problem-catalogue.ts.`,
    ]);
  });

  it('admits what the catalogue asks for: a factory call, an is() check, an instanceof for a framework error', () => {
    const code = [
      `if (!row) throw VaultProblems.SECRET_EXISTS({ detail: 'taken' });`,
      `if (AdminIdentityProblems.ADMIN_EXISTS.is(error)) exists = true;`,
      `const status = exception instanceof HttpException ? exception.getStatus() : 500;`,
      `throw new Error('the keyring needs at least one master key');`,
    ].join('\n');
    expect(problems(code)).toEqual([]);
  });
});
