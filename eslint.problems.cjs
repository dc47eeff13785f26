// The problem-catalogue rules (docs/adr/0013-problem-catalogue.md), as `no-restricted-syntax`
// entries: eslint.config.mjs applies them to apps/ and libs/ (specs aside), and
// test/lint/problem-rules.spec.ts runs them on the anti-patterns they exist for.

const CATALOGUED = "Throw a catalogued Problem (defineProblems in the feature's *.problems.ts), not a Nest HTTP exception.";

/** A Nest HTTP exception made: its status and code would be chosen at the throw site. */
const nestException = { selector: 'NewExpression[callee.name=/Exception$/]', message: CATALOGUED };

/** A Nest HTTP exception extended: a second error type beside Problem. */
const nestExceptionSubclass = { selector: 'ClassDeclaration[superClass.name=/Exception$/]', message: CATALOGUED };

/** A Problem made by hand: only a catalogue's factory makes one (libs/problems itself aside). */
const newProblem = {
  selector: "NewExpression[callee.name='Problem']",
  message: "A Problem is made by its catalogue's factory (VaultProblems.SECRET_EXISTS({ detail })), never with new.",
};

/** A catalogue declared outside a *.problems.ts, where the catalogue spec would not find it. */
const defineProblemsElsewhere = {
  selector: "CallExpression[callee.name='defineProblems']",
  message: "A feature's problems are declared in its <feature>.problems.ts, listed in apps/api/src/problem-catalogue.ts.",
};

module.exports = { nestException, nestExceptionSubclass, newProblem, defineProblemsElsewhere };
