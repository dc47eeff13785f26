'use strict';
// The admin console's two figures (issue 18): what the first screen costs to download (its
// JavaScript and CSS, gzip -9, from the built page's own references; lazy chunks apart), and
// the time from `npm start` to an interactive sign-in page in Chromium: on a fresh data
// directory (the embedded PostgreSQL initialised and migrated) and again on the same
// directory (every later start), with the build current; and what `npm run build` adds, which
// `npm start` runs first when a source changed (a newcomer's first start: build + fresh).
// Run: `npm run bench:console` (needs Debian's chromium).
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync, readdirSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');
const { chromium } = require('playwright-core');

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'apps', 'console', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The first screen's files: what index.html loads by itself (scripts, styles, module preloads). */
function firstScreen() {
  const page = readFileSync(join(BUNDLE, 'index.html'), 'utf8');
  const referenced = [...page.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+)"/g)].map((match) => match[1]);
  const sizes = (files) =>
    files.map((file) => {
      const bytes = readFileSync(join(BUNDLE, file));
      return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
  const first = sizes(referenced);
  const all = sizes(readdirSync(join(BUNDLE, 'assets')).map((name) => `assets/${name}`));
  const sum = (rows, key, filter = () => true) => rows.filter(filter).reduce((total, row) => total + row[key], 0);
  return {
    firstJsGzip: sum(first, 'gzip', (row) => row.file.endsWith('.js')),
    firstCssGzip: sum(first, 'gzip', (row) => row.file.endsWith('.css')),
    firstRaw: sum(first, 'raw'),
    lazyJsGzip: sum(all, 'gzip', (row) => row.file.endsWith('.js') && !referenced.includes(row.file)),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** `npm start` on `dataDir` until the sign-in page is interactive in Chromium; then stopped. */
async function startToSignIn(browser, dataDir) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), RINGFENCE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const page = await browser.newPage();
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      try {
        await page.goto(`http://127.0.0.1:${port}/console/sign-in`, { timeout: 2000 });
        await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 2000 });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await page.close();
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'ringfence-console-bench-'));
  try {
    const buildStarted = process.hrtime.bigint();
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
    const buildMs = Number(process.hrtime.bigint() - buildStarted) / 1e6;
    const fresh = await startToSignIn(browser, dataDir);
    const again = await startToSignIn(browser, dataDir);
    const size = firstScreen();
    console.log(`\nconsole, node ${process.version}`);
    console.log(
      `first screen: JS ${kib(size.firstJsGzip)} gzip + CSS ${kib(size.firstCssGzip)} gzip (${kib(size.firstRaw)} raw); target JS < 250 KiB gzip`,
    );
    console.log(`lazy chunks (the password strength meter's dictionaries): JS ${kib(size.lazyJsGzip)} gzip`);
    console.log(
      `npm start -> interactive sign-in page: fresh data directory ${(fresh / 1000).toFixed(1)} s, same directory again ${(again / 1000).toFixed(1)} s`,
    );
    console.log(
      `npm run build: ${(buildMs / 1000).toFixed(1)} s (npm start's first step when a source changed; a first start is about ${((buildMs + fresh) / 1000).toFixed(0)} s)`,
    );
  } finally {
    await browser.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
