#!/usr/bin/env node
'use strict';
// Self time of a V8 CPU profile (`node --cpu-prof`, e.g. the app's under
// BENCH_APP_NODE_ARGS) by package and by function, as shares of the busy time (idle left
// out): `node bench/profile-summary.js <file.cpuprofile> [rows]`.
const { readFileSync } = require('node:fs');

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [rows]');
  process.exit(2);
}
const ROWS = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

/** Where a frame's code lives: an npm package, our own code, Node's internals, or V8. */
function packageOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) return `node:${url.slice('node:'.length).split('/').slice(0, 2).join('/')}`;
  const own = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return own ? `ringfence:${own[1]}/${own[2]}` : url;
}

const byPackage = new Map();
const byFunction = new Map();
let busy = 0;
for (const [id, micros] of selfMicros) {
  const frame = nodes.get(id).callFrame;
  if (frame.functionName === '(idle)') continue;
  busy += micros;
  const pkg = packageOf(frame);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}` : '';
  const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

const table = (title, entries) => {
  console.log(`\n${title}\n`);
  console.log('| self % of busy | ms | where |\n| ---: | ---: | --- |');
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, ROWS)) {
    console.log(`| ${((100 * micros) / busy).toFixed(1)} | ${(micros / 1000).toFixed(0)} | ${name} |`);
  }
};
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms profiled`);
table('By package', byPackage);
table('By function', byFunction);
