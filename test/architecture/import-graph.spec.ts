import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Which lib may import which: the rings point inward (docs/architecture.md). A new edge here is a
 * reviewed decision, not a convenience.
 */
const LIB_DEPENDENCIES: Record<string, readonly string[]> = {
  problems: [],
  crypto: [],
  tenancy: ['problems'],
  audit: ['problems', 'tenancy'],
  access: ['audit', 'problems', 'tenancy'],
  limits: ['access', 'problems', 'tenancy'],
};

/** Folders whose files are each their own node: a feature's module and controllers sit at its root and import its sub-folders. */
const FEATURE_ROOTS = new Set([
  'apps/api/src',
  'apps/api/src/admin-identity',
  'apps/api/src/workspaces',
  'apps/api/src/cosigner',
  'apps/api/src/providers',
  'apps/api/src/webhooks',
]);

interface Graph {
  readonly files: readonly string[];
  readonly edges: ReadonlyMap<string, ReadonlySet<string>>;
}

function sourceFiles(): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return parsed.fileNames.map((file) => relative(ROOT, file)).filter((file) => /^(apps|libs)\//.test(file) && !file.endsWith('.spec.ts'));
}

function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const lib = /^@ringfence\/([a-z-]+)$/.exec(specifier)?.[1];
  if (lib) return `libs/${lib}/src/index.ts`;
  if (!specifier.startsWith('.')) return undefined;
  const base = relative(ROOT, resolve(ROOT, dirname(from), specifier));
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

function importGraph(): Graph {
  const files = sourceFiles();
  const known = new Set(files);
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const imports = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true).importedFiles;
    edges.set(
      file,
      new Set(
        imports.map((entry) => resolveImport(file, entry.fileName, known)).filter((target): target is string => target !== undefined),
      ),
    );
  }
  return { files, edges };
}

function libOf(file: string): string | undefined {
  return /^libs\/([^/]+)\//.exec(file)?.[1];
}

/** A lib is one node; elsewhere a folder is (its dto/ belongs to it), except the feature roots' own files. */
function folderOf(file: string): string {
  const lib = libOf(file);
  if (lib) return `libs/${lib}`;
  const folder = dirname(file).replace(/\/dto$/, '');
  return FEATURE_ROOTS.has(folder) ? file : folder;
}

/** Every cycle through `edges`, each named once by the path that closes it. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.add([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return [...found];
}

describe('the import graph (the layout the docs describe)', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.edges.get('apps/api/src/app.module.ts')).toContain('libs/access/src/index.ts');
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph.edges)).toEqual([]);
  });

  it('has no import cycle between folders: nothing runs back up', () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of graph.edges) {
      const from = folderOf(file);
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== from) folders.set(from, (folders.get(from) ?? new Set()).add(to));
      }
    }
    expect(cycles(folders)).toEqual([]);
  });

  it('keeps the libs out of the app and pointing inward', () => {
    const offending: string[] = [];
    for (const [file, targets] of graph.edges) {
      const lib = libOf(file);
      if (!lib) continue;
      for (const target of targets) {
        const to = libOf(target);
        if (to === lib) continue;
        if (!to || !(LIB_DEPENDENCIES[lib] ?? []).includes(to)) offending.push(`${file} -> ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const edges = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cycles(edges)).toEqual(['a -> b -> c -> a']);
  });
});
