/**
 * Writes docs/evidence/ from a test run's outcomes and fails on any problem the evidence has
 * (test/evidence/evidence.ts). The Jest reporter (test/evidence/reporter.js) runs it after every
 * full run; `--results <file>` names the outcomes it wrote (TestOutcome[] as JSON).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { loadStandards } from './catalogue';
import { CLAIMS } from './claims';
import { evaluate } from './evidence';
import type { TestOutcome } from './model';
import { renderEvidence } from './render';

const ROOT = join(__dirname, '..', '..');

interface JestJson {
  testResults: {
    name: string;
    message?: string;
    assertionResults: { ancestorTitles: string[]; title: string; status: TestOutcome['status'] }[];
  }[];
}

/** Outcomes from `jest --json --outputFile` (a partial run, to check a chapter's tags while writing them). */
function fromJestJson(file: string): TestOutcome[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as JestJson;
  return json.testResults.flatMap((suite) =>
    suite.assertionResults.map((test) => ({
      file: relative(ROOT, suite.name),
      title: [...test.ancestorTitles, test.title].join(' › '),
      status: test.status,
    })),
  );
}

const option = (argv: string[], name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
};

async function main(argv: string[]): Promise<number> {
  const results = option(argv, '--results');
  const jest = option(argv, '--jest');
  if (!results && !jest) {
    console.error('usage: evidence.cli.ts --results <outcomes.json> | --jest <jest --json output> [--only V6,V7,API2]');
    return 2;
  }
  const tests = results ? (JSON.parse(readFileSync(results, 'utf8')) as TestOutcome[]) : fromJestJson(jest ?? '');
  // --only: a partial check that writes nothing and reports the problems naming these chapters or risks.
  const only = option(argv, '--only')?.split(',');
  const standards = loadStandards();
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const evidence = evaluate({ standards, claims: CLAIMS, tests, readme });
  if (only) {
    const mine = (error: string): boolean =>
      only.some((prefix) => new RegExp(String.raw`(^|[^.\d])${prefix.replace('.', '\\.')}[.:]`).test(error));
    const errors = evidence.errors.filter(mine);
    for (const error of errors) console.error(`  - ${error}`);
    console.log(
      `evidence (${only.join(', ')}): ${errors.length} problems; ${evidence.claimed
        .filter((row) => only.some((p) => row.id.startsWith(`${p}.`) || row.id.startsWith(`${p}:`)))
        .map((row) => `${row.id} ${row.passed}/${row.tests.length}`)
        .join(', ')}`,
    );
    return errors.length === 0 ? 0 : 1;
  }
  const dir = join(ROOT, 'docs', 'evidence');
  mkdirSync(dir, { recursive: true });
  const page = join(dir, 'README.md');
  const options = (await prettier.resolveConfig(page)) ?? {};
  writeFileSync(page, await prettier.format(renderEvidence(evidence, standards), { ...options, filepath: page }));
  const json = join(dir, 'evidence.json');
  const data = {
    standards: { asvs: '5.0.0', api: '2023' },
    totals: evidence.totals,
    errors: evidence.errors,
    guarantees: evidence.guarantees,
    claimed: evidence.claimed.map((row) => ({ ...row, tests: row.tests.map(({ file, title, status }) => ({ file, title, status })) })),
    unclaimed: evidence.unclaimed,
  };
  writeFileSync(json, await prettier.format(JSON.stringify(data), { ...options, filepath: json }));
  const claimed = evidence.claimed.length;
  if (evidence.errors.length === 0) {
    console.log(`evidence: ${claimed} claims proven by ${evidence.totals.tagged} tagged tests; wrote docs/evidence/`);
    return 0;
  }
  console.error(`evidence: ${evidence.errors.length} problems (docs/evidence/README.md lists them):`);
  for (const error of evidence.errors.slice(0, 50)) console.error(`  - ${error}`);
  if (evidence.errors.length > 50) console.error(`  … and ${evidence.errors.length - 50} more`);
  return 1;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
