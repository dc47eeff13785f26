import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, shippedSources } from '../support/source-files';

/** What runs a program without a shell, its arguments one by one. */
const ARGUMENT_ARRAYS = new Set(['execFile', 'execFileSync', 'spawn', 'spawnSync', 'ChildProcess']);

/** What the service and its commands import from child_process, and where a shell could be asked for. */
function scan(files: string[]): { imports: string[]; shells: string[] } {
  const imports: string[] = [];
  const shells: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    const destructured = [
      ...text.matchAll(
        /(?:import\s*\{([^}]*)\}\s*from\s*'(?:node:)?child_process'|const\s*\{([^}]*)\}\s*=\s*require\('(?:node:)?child_process'\))/g,
      ),
    ];
    for (const match of destructured)
      for (const name of (match[1] ?? match[2] ?? '')
        .split(',')
        .map((part) => part.trim().split(/\s+as\s+/)[0]!)
        .filter(Boolean))
        imports.push(`${where}: ${name}`);
    // The module taken whole (`import * as`, `require(...)` kept in a name) would hide which function runs.
    if ((text.match(/'(?:node:)?child_process'/g) ?? []).length > destructured.length) imports.push(`${where}: the whole module`);
    for (const match of text.matchAll(/shell:\s*([^,}\n]+)/g)) shells.push(`${where}: shell: ${match[1]!.trim()}`);
  }
  return { imports, shells };
}

/** No request value reaches an operating system command (ASVS 5.0 V1.2.5). */
describe('operating system commands [V1.2.5]', () => {
  const { imports, shells } = scan(shippedSources());

  it('are run without a shell, a program and its arguments one by one: never exec or execSync', () => {
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((entry) => !ARGUMENT_ARRAYS.has(entry.split(': ')[1]!))).toEqual([]);
  });

  it('ask for a shell nowhere but where Windows needs one for npm itself, with fixed arguments', () => {
    expect(shells).toEqual(["bin/ringfence.js: shell: process.platform === 'win32'"]);
    expect(readFileSync(join(ROOT, 'bin', 'ringfence.js'), 'utf8')).toMatch(/spawnSync\('npm', \['run', 'build', '--silent'\]/);
  });

  it('finds what it forbids', () => {
    const planted = join(ROOT, 'test', 'lint', '__fixtures__');
    const found = scan([join(planted, 'os-command.fixture.ts')]);
    expect(found.imports.map((entry) => entry.split(': ')[1])).toEqual(['exec', 'execFile']);
    expect(found.shells).toEqual(['test/lint/__fixtures__/os-command.fixture.ts: shell: true']);
  });
});
