import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
/**
 * A repository path named in prose: `docs/…md`, or a path under apps/, libs/, test/, prisma-free/ or bench/ with a file
 * extension. Not one under `dist/` (`node dist/apps/…/keys-init.cli.js`): the build's output, absent from a checkout.
 */
const PATH_REFERENCE = /\b(?<!dist\/)((?:docs|apps|libs|test|prisma-free|bench)\/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.(?:md|ts|js|json|sql))\b/g;

function trackedTextFiles(): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const sources = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).fileNames.map((file) => relative(ROOT, file));
  const docs = ts.sys.readDirectory(join(ROOT, 'docs'), ['.md']).map((file) => relative(ROOT, file));
  return ['README.md', ...docs, ...sources];
}

/** Every path the docs and comments name, so a move or a rename cannot leave a newcomer at a dead end. */
describe('paths named in the docs and in comments', () => {
  const files = trackedTextFiles();

  it('reads the README, the docs and the sources', () => {
    expect(files).toContain('docs/architecture.md');
    expect(files.length).toBeGreaterThan(100);
  });

  it('all exist', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const [, path] of readFileSync(join(ROOT, file), 'utf8').matchAll(PATH_REFERENCE)) {
        if (path && !existsSync(join(ROOT, path))) missing.push(`${file} -> ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('points outside the repository nowhere (the repository stands on its own)', () => {
    const outside = files.filter((file) => /\.\.\/shared\//.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(outside).toEqual([]);
  });
});
