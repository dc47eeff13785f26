#!/usr/bin/env node
// `npm run sbom`: the CycloneDX SBOM of what the production image runs (the dependencies
// without dev and optional ones, as the Dockerfile prunes them), from the lockfile, into
// dist/sbom/ringfence.cdx.json. CI writes it on every run (.ci/run).
//
// CycloneDX's own npm tool (@cyclonedx/cyclonedx-npm), not `npm sbom`: npm 11's `npm sbom
// --omit dev --omit optional` leaves out every production package that is also another
// package's peer (@nestjs/common, @nestjs/core, pg, rxjs, class-validator and others: 8 of our
// direct dependencies, measured on 2026-11-30; docs/adr/0026-supply-chain.md).
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist', 'sbom', 'ringfence.cdx.json');
const TOOL = join(ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-npm', 'bin', 'cyclonedx-npm-cli.js');

mkdirSync(join(ROOT, 'dist', 'sbom'), { recursive: true });
const args = ['--omit', 'dev', '--omit', 'optional', '--package-lock-only', '--spec-version', '1.6'];
args.push('--output-format', 'JSON', '--output-reproducible', '--output-file', OUT);
execFileSync(process.execPath, [TOOL, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

const bom = JSON.parse(readFileSync(OUT, 'utf8'));
let count = 0;
const walk = (components) => {
  for (const component of components ?? []) {
    count += 1;
    walk(component.components);
  }
};
walk(bom.components);
if (count === 0) throw new Error('the SBOM lists no components');
console.log(`wrote ${OUT}: ${count} components (CycloneDX ${bom.specVersion})`);
