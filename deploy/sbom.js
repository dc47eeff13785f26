#!/usr/bin/env node
// `npm run sbom`: the CycloneDX SBOM of what the production image runs (`npm sbom`, the
// dependencies without dev and optional ones, as the Dockerfile prunes them), named after
// the package rather than the checkout's folder, into dist/sbom/ringfence.cdx.json.
// CI writes it on every run (.ci/run).
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist', 'sbom', 'ringfence.cdx.json');

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const npm = process.env.npm_execpath;
const args = ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--omit', 'dev', '--omit', 'optional'];
const text = npm
  ? execFileSync(process.execPath, [npm, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  : execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const bom = JSON.parse(text);
bom.metadata.component = { ...bom.metadata.component, name: pkg.name, version: pkg.version };
if (!Array.isArray(bom.components) || bom.components.length === 0) throw new Error('npm sbom listed no components');
mkdirSync(join(ROOT, 'dist', 'sbom'), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(bom, null, 2)}\n`);
console.log(`wrote ${OUT}: ${bom.components.length} components (CycloneDX ${bom.specVersion})`);
