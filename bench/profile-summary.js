#!/usr/bin/env node
'use strict';
// Self time of a V8 CPU profile (`node --cpu-prof`, e.g. the app's under
// BENCH_APP_NODE_ARGS) by package and by function:
//   node bench/profile-summary.js <file.cpuprofile> [rows] [requests] [from-to]
// Only the seconds under load count (those where the process wrote to sockets), so the
// boot does not dilute the figures; with `from-to` (monotonic µs, the profile's clock, as
// the decisions' report gives a measurement's span), only the samples in that span. The
// socket write itself is reported apart: the profiler counts its wall time, which on a
// shared machine includes waiting for the CPU (ADR 0017).
// With `requests` (how many the profiled seconds served), each row is also µs per request.
const { readFileSync } = require('node:fs');

const [file, rowsArg, requestsArg, spanArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [rows] [requests] [from-to]');
  process.exit(2);
}
const ROWS = Number(rowsArg ?? 25);
const REQUESTS = requestsArg === undefined ? undefined : Number(requestsArg);
const SPAN = spanArg?.split('-').map(Number);
const SOCKET_WRITES = new Set(['writeUtf8String', 'writev', 'writeBuffer']);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const samples = [];
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  samples.push({
    frame: nodes.get(profile.samples[i]).callFrame,
    micros: profile.timeDeltas[i] ?? 0,
    second: Math.floor((at - profile.startTime) / 1e6),
    inSpan: !SPAN || (at >= SPAN[0] && at <= SPAN[1]),
  });
}

// A second is under load when at least 5 % of it went to socket writes.
const total = new Map();
const writing = new Map();
for (const { frame, micros, second } of samples) {
  total.set(second, (total.get(second) ?? 0) + micros);
  if (SOCKET_WRITES.has(frame.functionName)) writing.set(second, (writing.get(second) ?? 0) + micros);
}
const loaded = new Set([...total].filter(([second, micros]) => (writing.get(second) ?? 0) / micros >= 0.05).map(([second]) => second));

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
let socketWrite = 0;
for (const { frame, micros, second, inSpan } of samples) {
  if ((SPAN ? !inSpan : !loaded.has(second)) || frame.functionName === '(idle)') continue;
  if (SOCKET_WRITES.has(frame.functionName)) {
    socketWrite += micros;
    continue;
  }
  busy += micros;
  const pkg = packageOf(frame);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}` : '';
  const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

const perRequest = (micros) => (REQUESTS ? ` | ${(micros / REQUESTS).toFixed(2)}` : '');
const table = (title, entries) => {
  console.log(`\n${title}\n`);
  console.log(`| self % of busy | ms${REQUESTS ? ' | µs per request' : ''} | where |\n| ---: | ---: |${REQUESTS ? ' ---: |' : ''} --- |`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, ROWS)) {
    console.log(`| ${((100 * micros) / busy).toFixed(1)} | ${(micros / 1000).toFixed(0)}${perRequest(micros)} | ${name} |`);
  }
};
const each = (micros) => (REQUESTS ? ` (${(micros / REQUESTS).toFixed(2)} µs per request)` : '');
console.log(
  `${SPAN ? `${((SPAN[1] - SPAN[0]) / 1e6).toFixed(1)} s span` : `${loaded.size} s under load`}: busy ${(busy / 1000).toFixed(0)} ms${each(busy)}; ` +
    `socket writes ${(socketWrite / 1000).toFixed(0)} ms${each(socketWrite)}, wall time`,
);
table('By package', byPackage);
table('By function', byFunction);
