import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Every read on the pool outside a unit of work, by its stated purpose: a new one is a
 * reviewed diff of this list (docs/adr/0014-data-access.md), like a new route is of the
 * route inventory.
 */
describe('the pool doors (readOutsideUnitOfWork)', () => {
  it('are these, each with a purpose written where it is called', () => {
    // The unit of work itself defines the door and names it in its errors.
    const definition = join('libs', 'tenancy', 'src', 'unit-of-work.ts');
    const callers = ['apps', 'libs'].flatMap((top) => sourceFiles(join(ROOT, top))).filter((file) => relative(ROOT, file) !== definition);
    const calls = callers.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      const all = source.match(/\.readOutsideUnitOfWork\(/g) ?? [];
      const named = [...source.matchAll(/\.readOutsideUnitOfWork\(\s*'([^']+)'/g)].map((match) => match[1]!);
      // A purpose passed in a variable hides from this inventory.
      expect({ file: relative(ROOT, file), unnamed: all.length - named.length }).toEqual({ file: relative(ROOT, file), unnamed: 0 });
      return named;
    });
    expect(calls.sort()).toEqual([
      'API key look-up, before there is a principal',
      'admin session check, before there is a principal',
      'login: the admin by email, before the password check',
      'readiness: the applied migrations',
      'refresh token owner, before there is a principal',
    ]);
  });
});
