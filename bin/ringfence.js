#!/usr/bin/env node
// `ringfence <command> [options]`: the operator's commands, run from the build in dist/.
// In a source checkout the build is brought up to date first, and only when a source file
// changed since the last one (dist/.build-stamp, written by `npm run build`); in the
// production image (no sources, no Nest CLI) dist/ is run as it is. `npm run <command>`
// runs this too. `ringfence --help` lists the commands; `ringfence <command> --help`
// prints a command's usage, examples and exit codes.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
const BOOTSTRAP = join(DIST, 'apps', 'api', 'src', 'bootstrap');

/** Each command: the compiled entry it runs, the arguments put before the operator's, and a line for the list. */
const COMMANDS = {
  start: { entry: '../main.js', summary: 'serve the API and the admin console (`npm start`; an embedded PostgreSQL without DATABASE_URL)' },
  'admin:create': { entry: 'admin-create.cli.js', summary: 'create an admin and print a one-time password once' },
  'audit:verify': { entry: 'audit-verify.cli.js', summary: "walk the audit log's hash chain; exit 1 on a break" },
  'keys:rewrap': { entry: 'keys-rewrap.cli.js', summary: 'move every sealed value to the active master key version' },
  migrate: { entry: 'migrate.cli.js', summary: 'apply pending migrations (migrate status | up | down [--steps n])' },
  'migrate:status': {
    entry: 'migrate.cli.js',
    before: ['status'],
    summary: 'list applied and pending migrations; exit 1 if not up to date',
  },
  'migrate:down': { entry: 'migrate.cli.js', before: ['down'], summary: 'revert the last migration(s) (--steps n)' },
  'keys:init': { entry: 'keys-init.cli.js', summary: 'every production key file in a new secrets directory (--dir)' },
  demo: { entry: 'demo.cli.js', summary: "the cosigner's loop end to end on a throwaway embedded PostgreSQL" },
};

/**
 * What `npm run build` compiles (Nest, and Vite for the console), and what it copies beside
 * them. Specs and snapshots are not built; the console's own output (apps/console/dist, which
 * the test run also writes) is not a source.
 */
const SOURCES = ['apps', 'libs', 'prisma-free'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
const NOT_BUILT = /(\.spec\.ts|\.snap)$|(^|\/)__snapshots__(\/|$)|^apps\/console\/dist(\/|$)/;

/**
 * The first source file changed since the build in `dist` (newer than its stamp), or why a
 * build is needed; null when the build is current. `root` is a checkout (sources present).
 */
function staleness(root, stampPath = join(root, 'dist', '.build-stamp')) {
  let built;
  try {
    built = statSync(stampPath).mtimeMs;
  } catch {
    return 'no build yet (dist/.build-stamp is missing)';
  }
  const newer = (path) => statSync(path).mtimeMs > built;
  for (const file of SOURCE_FILES) if (existsSync(join(root, file)) && newer(join(root, file))) return `${file} changed`;
  const walk = (relative) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || NOT_BUILT.test(path)) continue;
        const found = walk(path);
        if (found) return found;
      } else if (entry.isFile() && !NOT_BUILT.test(path) && newer(join(root, path))) {
        return `${path} changed`;
      }
    }
    return null;
  };
  for (const dir of SOURCES) {
    if (!existsSync(join(root, dir))) continue;
    const found = walk(dir);
    if (found) return found;
  }
  return null;
}

/** A checkout that can build (sources and the Nest CLI present), as opposed to the production image. */
function canBuild(root) {
  return existsSync(join(root, 'apps')) && existsSync(join(root, 'node_modules', '@nestjs', 'cli'));
}

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    'usage: ringfence <command> [options]      (npm run <command> -- [options])',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    "Each command's usage, examples and exit codes: ringfence <command> --help",
    '',
    'exit codes: 0 done; 1 the command found a problem or failed (the cause is printed); 64 bad usage; 78 bad configuration',
    '',
  ].join('\n');
}

function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 64 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(
      `ringfence: unknown command '${name}' (one of: ${Object.keys(COMMANDS).join(', ')})\nRun 'ringfence --help' for usage.\n`,
    );
    return 64;
  }
  if (name === 'start' && rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(
      [
        'usage: ringfence start      (npm start)',
        '',
        'Builds first when a source changed since the last build, then serves the API and the admin console',
        '(http://localhost:3000/console) on PORT; without DATABASE_URL on an embedded PostgreSQL under',
        'RINGFENCE_DATA_DIR (.data). Every setting: README.md, "Configuration".',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const entry = join(BOOTSTRAP, command.entry);
  if (canBuild(ROOT)) {
    const why = staleness(ROOT);
    if (why) {
      process.stderr.write(`ringfence: building first (${why}): npm run build\n`);
      const npm = process.env.npm_execpath;
      const build = npm
        ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
        : spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
      if (build.status !== 0) {
        process.stderr.write(
          `ringfence: the build failed (${build.error ? build.error.message : `exit ${build.status}`}): fix it, or run npm run build\n`,
        );
        return 1;
      }
    }
  } else if (!existsSync(entry)) {
    process.stderr.write(
      `ringfence: ${entry} is missing and this installation cannot build it: run npm run build in a checkout with dev dependencies\n`,
    );
    return 1;
  }
  // The command runs in this process, as if started as `node <entry> …`.
  process.argv = [process.argv[0], entry, ...(command.before ?? []), ...rest];
  require(entry);
  return undefined;
}

if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
}

module.exports = { staleness, COMMANDS };
