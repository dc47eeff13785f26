import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { OwnerOptions } from '../support/embedded-owner';

// Real processes: each test starts PostgreSQL servers (and initdb) in its own directory.
jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const children = new Set<ChildProcess>();
const workDirs: string[] = [];

interface OwnerEvent {
  event: 'ready' | 'failed' | 'stopped';
  postmasterPid?: number;
  workDir?: string;
  message?: string;
  query?: string;
}

/** A Node process (under ts-node) that reports events as JSON lines on stdout. */
interface Owner {
  readonly child: ChildProcess;
  next(): Promise<OwnerEvent>;
  exited(): Promise<number | null>;
  output(): string;
}

/** A Node process owning an EmbeddedDatabase (test/support/embedded-owner.ts). */
function spawnOwner(options: OwnerOptions, { ownGroup = false } = {}): Owner {
  return spawnReporting([join(root, 'test/support/embedded-owner.ts'), JSON.stringify(options)], { ownGroup });
}

function spawnReporting(args: string[], { ownGroup = false, env = process.env } = {}): Owner {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', ...args], {
    cwd: root,
    env: { ...env, TS_NODE_PROJECT: join(root, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  children.add(child);
  let output = '';
  const events: OwnerEvent[] = [];
  const waiting: Array<(event: OwnerEvent) => void> = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const lines = `${partial}${chunk.toString()}`.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter((candidate) => candidate.startsWith('{'))) {
      const event = JSON.parse(line) as OwnerEvent;
      const waiter = waiting.shift();
      if (waiter) waiter(event);
      else events.push(event);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    next: () => {
      const event = events.shift();
      if (event) return Promise.resolve(event);
      return Promise.race([
        new Promise<OwnerEvent>((resolve) => waiting.push(resolve)),
        exit.then((code) => {
          // Events printed just before the exit are still delivered first.
          const late = events.shift();
          if (late) return late;
          throw new Error(`the owner exited (${code}) before its next event:\n${output}`);
        }),
      ]);
    },
    exited: () => exit,
    output: () => output,
  };
}

async function ready(owner: Owner): Promise<number> {
  const event = await owner.next();
  if (event.event !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(event)}:\n${owner.output()}`);
  return event.postmasterPid!;
}

async function stopOwner(owner: Owner): Promise<OwnerEvent> {
  owner.child.kill('SIGTERM');
  const event = await owner.next();
  expect(await owner.exited()).toBe(0);
  return event;
}

/** Alive and not a zombie (an orphan adopted by an init that does not reap is one until it is reaped). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits for `condition`, bounded by the test's timeout (nothing asserts how long it takes). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The user the embedded server runs as: `postgres` when we are root, else ourselves. */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function newWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rf-embedded-'));
  chmodSync(dir, 0o711); // as root the server runs as `postgres`, which must pass through
  workDirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function selectOne(directory: string, port: number): Promise<number> {
  const password = readFileSync(`${directory}.superuser`, 'utf8').trim();
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    return rows[0]!.one;
  } finally {
    await client.end();
  }
}

/** Cleanup: the server of a test's data directory, whoever left it (checked by its working directory, so nothing else is signalled). */
async function stopServerOf(directory: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  const serves = () => {
    try {
      return isRunning(pid) && readlinkSync(`/proc/${pid}/cwd`) === directory;
    } catch {
      return false;
    }
  };
  if (!serves()) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; serves() && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  if (serves()) process.kill(pid, 'SIGKILL');
}

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  children.clear();
  for (const dir of workDirs.splice(0)) {
    await stopServerOf(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('EmbeddedDatabase: a server its owner left behind', () => {
  it('after its owner is killed with SIGKILL, the next start stops the server it left and serves', async () => {
    const directory = join(newWorkDir(), 'pg');
    const port = await freePort();
    const first = spawnOwner({ directory, port });
    const orphan = await ready(first);
    first.child.kill('SIGKILL');
    await first.exited();
    expect(isRunning(orphan)).toBe(true); // left running, holding the port and the directory

    const second = spawnOwner({ directory, port });
    const postmaster = await ready(second);
    expect(postmaster).not.toBe(orphan);
    expect(isRunning(orphan)).toBe(false);
    expect(await selectOne(directory, port)).toBe(1);
    await stopOwner(second);
    expect(isRunning(postmaster)).toBe(false);
  });

  it('refuses a data directory whose server is in use by a running owner, naming both, and leaves it serving', async () => {
    const directory = join(newWorkDir(), 'pg');
    const port = await freePort();
    const first = spawnOwner({ directory, port });
    const postmaster = await ready(first);

    const second = spawnOwner({ directory, port });
    const refused = await second.next();
    expect(refused.event).toBe('failed');
    expect(refused.message).toContain(`already running (pid ${postmaster}, port ${port})`);
    expect(refused.message).toContain(`started by process ${first.child.pid}, which is still running`);
    expect(await second.exited()).toBe(1);
    expect(isRunning(postmaster)).toBe(true);
    expect(await selectOne(directory, port)).toBe(1);
    await stopOwner(first);
  });

  it('a postmaster.pid naming a pid now used by another program, or a dead pid, does not block a start; that program is not signalled', async () => {
    const directory = join(newWorkDir(), 'pg');
    const port = await freePort();
    const first = spawnOwner({ directory, port });
    const postmaster = await ready(first);
    const lock = readFileSync(join(directory, 'postmaster.pid'), 'utf8');
    await stopOwner(first);
    expect(existsSync(join(directory, 'postmaster.pid'))).toBe(false);

    // The pid reused by an unrelated process of the server's own user (after a reboot, say):
    // PostgreSQL itself takes a live pid it may signal for a server still running.
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore', ...serverUser() });
    children.add(bystander);
    writeFileSync(join(directory, 'postmaster.pid'), lock.replace(`${postmaster}\n`, `${bystander.pid}\n`));
    const second = spawnOwner({ directory, port });
    await ready(second);
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(isRunning(bystander.pid!)).toBe(true);
    await stopOwner(second);

    // A pid no process has.
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    writeFileSync(join(directory, 'postmaster.pid'), lock.replace(`${postmaster}\n`, `${gone.pid}\n`));
    const third = spawnOwner({ directory, port });
    await ready(third);
    expect(await selectOne(directory, port)).toBe(1);
    await stopOwner(third);
  });

  it('a first start killed during initdb leaves nothing that blocks the next one', async () => {
    const dir = newWorkDir();
    const directory = join(dir, 'pg');
    const port = await freePort();
    // Its own process group, so the kill takes initdb and its bootstrap backend too, as a crash would.
    const first = spawnOwner({ directory, port }, { ownGroup: true });
    const initdbStarted = () => ['pg', 'pg.initdb'].some((name) => existsSync(join(dir, name, 'PG_VERSION')));
    await until(initdbStarted);
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited();
    expect(first.output()).not.toContain('"ready"');

    const second = spawnOwner({ directory, port });
    await ready(second);
    expect(await selectOne(directory, port)).toBe(1);
    await stopOwner(second);
  });
});

describe('EmbeddedDatabase: stopping', () => {
  it('SIGTERM to its owner: the server keeps serving until the owner stops it', async () => {
    const directory = join(newWorkDir(), 'pg');
    const owner = spawnOwner({ directory, port: await freePort(), queryOnTerm: true });
    const postmaster = await ready(owner);
    const stopped = await stopOwner(owner);
    expect(stopped).toEqual({ event: 'stopped', query: 'ok' });
    expect(isRunning(postmaster)).toBe(false);
  });

  it('stop() returns when the server has already died', async () => {
    const directory = join(newWorkDir(), 'pg');
    const owner = spawnOwner({ directory, port: await freePort() });
    const postmaster = await ready(owner);
    process.kill(postmaster, 'SIGKILL');
    await until(() => !isRunning(postmaster));
    expect(await stopOwner(owner)).toEqual({ event: 'stopped' });
  });

  it('an owner that exits without stopping takes its server down with it', async () => {
    const directory = join(newWorkDir(), 'pg');
    const owner = spawnOwner({ directory, port: await freePort(), exitWhenReady: true });
    const postmaster = await ready(owner);
    expect(await owner.exited()).toBe(0);
    await until(() => !isRunning(postmaster));
  });

  it('with stopOnTerminationSignals, SIGINT to the owner stops the server, then ends the owner with status 130', async () => {
    const directory = join(newWorkDir(), 'pg');
    const owner = spawnOwner({ directory, port: await freePort(), stopOnSignals: true });
    const postmaster = await ready(owner);
    owner.child.kill('SIGINT');
    expect(await owner.exited()).toBe(130);
    expect(isRunning(postmaster)).toBe(false);
  });
});

describe('EmbeddedDatabase: why a start failed', () => {
  let foreign: Server | undefined;
  afterEach(async () => {
    if (foreign) await new Promise((resolve) => foreign!.close(resolve));
    foreign = undefined;
  });

  it('a port held by another process: the error names the port and says so, never the superuser password', async () => {
    const directory = join(newWorkDir(), 'pg');
    foreign = createServer().listen(0, '127.0.0.1');
    await once(foreign, 'listening');
    const { port } = foreign.address() as { port: number };

    const owner = spawnOwner({ directory, port });
    const failed = await owner.next();
    expect(failed.event).toBe('failed');
    expect(failed.message).toBe(
      `port ${port} on 127.0.0.1 is already in use by another process (not the PostgreSQL of ${directory}): ` +
        'stop that process, or give the embedded PostgreSQL a free port (EMBEDDED_PG_PORT)',
    );
    expect(await owner.exited()).toBe(1);
    expect(owner.output()).not.toContain(readFileSync(`${directory}.superuser`, 'utf8').trim());
  });

  it('a server that exits during its start: its last lines are in the error, the superuser password redacted', async () => {
    const directory = join(newWorkDir(), 'pg');
    const owner = spawnOwner({ directory, port: await freePort(), passwordAsSetting: 'work_mem' });
    const failed = await owner.next();
    expect(failed.event).toBe('failed');
    expect(failed.message).toMatch(/stopped during its start \(exit code 1\); its last lines:\n/);
    expect(failed.message).toContain('invalid value for parameter "work_mem": "[REDACTED]"');
    expect(await owner.exited()).toBe(1);
    expect(owner.output()).not.toContain(readFileSync(`${directory}.superuser`, 'utf8').trim());
  });
});

describe("the test run's own embedded database", () => {
  it('the global teardown stops it and removes its temporary directory', async () => {
    const script = `
      const setup = require('./test/support/global-setup').default;
      const teardown = require('./test/support/global-teardown').default;
      const say = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
      (async () => {
        await setup();
        const { workDir } = globalThis.__RF_EMBEDDED__;
        const postmasterPid = Number(require('node:fs').readFileSync(workDir + '/pg/postmaster.pid', 'utf8').split('\\n')[0]);
        say({ event: 'ready', workDir, postmasterPid });
        await teardown();
        say({ event: 'stopped' });
      })().catch((error) => say({ event: 'failed', message: String(error) }));`;
    const env = { ...process.env };
    delete env.TEST_DATABASE_URL; // its own embedded server, whatever this run uses
    const run = spawnReporting(['-e', script], { env });
    const started = await run.next();
    expect(started.event).toBe('ready');
    workDirs.push(started.workDir!); // removed after the test in any case
    expect(existsSync(join(started.workDir!, 'pg', 'PG_VERSION'))).toBe(true);

    expect(await run.next()).toEqual({ event: 'stopped' });
    expect(isRunning(started.postmasterPid!)).toBe(false);
    expect(existsSync(started.workDir!)).toBe(false);
  });
});
