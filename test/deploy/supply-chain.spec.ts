import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean; dev?: boolean }>;
}
interface Manifest {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** What the build installs and what the image runs, inventoried (docs/adr/0026-supply-chain.md). */
describe('the supply chain [V15.1.2]', () => {
  it('installs every package from the registry, pinned by the lockfile with a sha512 integrity', () => {
    const installed = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.link);
    expect(installed.length).toBeGreaterThan(500);
    for (const [path, entry] of installed) {
      expect([path, entry.integrity]).toEqual([path, expect.stringMatching(/^sha512-[A-Za-z0-9+/]+=*$/)]);
      if (entry.resolved !== undefined)
        expect([path, entry.resolved]).toEqual([path, expect.stringMatching(/^https:\/\/registry\.npmjs\.org\//)]);
    }
    // No dependency from a git repository, a URL, a tarball or a local folder: registry versions only.
    const specs = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
    for (const [name, spec] of Object.entries(specs))
      expect([name, spec]).toEqual([name, expect.stringMatching(/^[\^~]?\d+(\.\d+){0,2}(-[\w.]+)?$/)]);
  });

  it('writes a CycloneDX SBOM naming every production dependency at its locked version, and no development one', () => {
    // npm's own `npm sbom --omit dev` left out every production package that is also a peer (ADR 0026): all must be here.
    execFileSync(process.execPath, [join(ROOT, 'deploy', 'sbom.js')], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    type Component = { group?: string; name: string; version: string; purl?: string; components?: Component[] };
    const bom = JSON.parse(readFileSync(join(ROOT, 'dist', 'sbom', 'ringfence.cdx.json'), 'utf8')) as {
      bomFormat: string;
      metadata: { component: { name: string } };
      components: Component[];
    };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.metadata.component.name).toBe(pkg.name);
    const all: Component[] = [];
    const walk = (components: Component[] = []): void =>
      components.forEach((component) => (all.push(component), walk(component.components)));
    walk(bom.components);
    const nameOf = (component: Component): string => (component.group ? `${component.group}/${component.name}` : component.name);
    // A package may be listed at several versions (nested copies): the locked top-level one is among them.
    const listed = new Set(all.map((component) => `${nameOf(component)}@${component.version}`));
    const names = new Set(all.map(nameOf));
    for (const name of Object.keys(pkg.dependencies)) {
      const locked = `${name}@${lock.packages[`node_modules/${name}`]?.version ?? '?'}`;
      expect([locked, listed.has(locked)]).toEqual([locked, true]);
    }
    // What only the build and the tests use is not in the image, nor in its inventory.
    for (const name of ['jest', 'eslint', 'vite', 'prettier', '@cyclonedx/cyclonedx-npm'])
      expect([name, names.has(name)]).toEqual([name, false]);
    expect(all.every((component) => component.purl?.startsWith('pkg:npm/'))).toBe(true);
  });
});
