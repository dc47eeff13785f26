import { PROBLEM_TYPE_BASE, ProblemFactory } from '@ringfence/problems';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROBLEM_CATALOGUE } from './problem-catalogue';

const ROOT = join(__dirname, '..', '..', '..');
const DOCS = join(ROOT, 'docs', 'problems');

/**
 * Every TypeScript source of the server under apps/ and libs/ but the specs. Not the admin
 * console (apps/console): a client, which reads codes the API answers (its types are
 * generated from the OpenAPI document) and declares none.
 */
function sources(directory = ROOT, found: string[] = []): string[] {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (path === join(ROOT, 'apps', 'console')) continue;
      if (directory !== ROOT || entry.name === 'apps' || entry.name === 'libs') sources(path, found);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) found.push(path);
  }
  return found;
}

function isProblemFactory(value: unknown): value is ProblemFactory {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<ProblemFactory>).code === 'string' &&
    typeof (value as Partial<ProblemFactory>).is === 'function'
  );
}

const slugOf = (code: string): string => code.toLowerCase().replace(/_/g, '-');
const codes = new Set(PROBLEM_CATALOGUE.map((problem) => problem.code));

describe('the problem catalogue', () => {
  it('is what clients are told: a new code, or a changed status, title or type, is a reviewed diff', () => {
    const catalogue = Object.fromEntries(
      PROBLEM_CATALOGUE.map((problem) => [
        problem.code,
        {
          status: problem.status,
          title: problem.title,
          type: problem.type,
          ...(problem.retryAfterSeconds !== undefined ? { retryAfterSeconds: problem.retryAfterSeconds } : {}),
          ...(problem.reportedState ? { reportedState: true } : {}),
        },
      ]),
    );
    expect(catalogue).toMatchSnapshot();
  });

  it("lists every feature's catalogue: each *.problems.ts under apps/ and libs/ is in it", () => {
    const files = sources().filter((path) => path.endsWith('.problems.ts'));
    expect(files.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const file of files) {
      const exported = Object.values(require(file) as Record<string, unknown>).filter(
        (value): value is Record<string, unknown> => typeof value === 'object' && value !== null,
      );
      const factories = exported.flatMap((catalogue) => Object.values(catalogue).filter(isProblemFactory));
      if (factories.length === 0) missing.push(`${relative(ROOT, file)}: no catalogue`);
      for (const factory of factories) if (!PROBLEM_CATALOGUE.includes(factory)) missing.push(`${relative(ROOT, file)}: ${factory.code}`);
    }
    expect(missing).toEqual([]);
  });

  it('is the only place a code is written: no source outside a catalogue names one as a string, or makes a Nest HTTP exception', () => {
    const offences: string[] = [];
    for (const file of sources().filter((path) => !path.endsWith('.problems.ts'))) {
      const text = readFileSync(file, 'utf8');
      const where = relative(ROOT, file);
      for (const [, code] of text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)['"`]/g))
        if (codes.has(code!)) offences.push(`${where}: '${code}'`);
      for (const [literal] of text.matchAll(/\bcode:\s*['"`][A-Z][A-Z0-9_]*['"`]/g)) offences.push(`${where}: ${literal}`);
      for (const [made] of text.matchAll(/\bnew\s+[A-Z]\w*Exception\s*\(/g)) offences.push(`${where}: ${made}`);
    }
    expect(offences).toEqual([]);
  });

  it('gives each code one type under the documented base, and each type a page in docs/problems/', () => {
    const pages = readdirSync(DOCS).filter((name) => name !== 'README.md');
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const problem of PROBLEM_CATALOGUE) {
      expect(problem.type).toBe(`${PROBLEM_TYPE_BASE}${slugOf(problem.code)}`);
      const page = readFileSync(join(DOCS, `${slugOf(problem.code)}.md`), 'utf8');
      expect([problem.code, page.split('\n')[0]]).toEqual([problem.code, `# ${problem.code}`]);
      expect([problem.code, page]).toEqual([problem.code, expect.stringContaining(`${problem.status} ${problem.title}`)]);
      expect([problem.code, page]).toEqual([problem.code, expect.stringContaining(problem.type)]);
      expect([problem.code, index]).toEqual([problem.code, expect.stringContaining(`[${problem.code}](${slugOf(problem.code)}.md)`)]);
    }
    expect(pages.sort()).toEqual(PROBLEM_CATALOGUE.map((problem) => `${slugOf(problem.code)}.md`).sort());
  });
});
