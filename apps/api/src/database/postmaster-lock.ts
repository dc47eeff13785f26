import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** `postmaster.pid`, which PostgreSQL writes into its data directory while it runs. */
export interface PostmasterLock {
  /** Line 1; negative for a single-user backend. */
  readonly pid: number;
  /** Line 2: the data directory the server was started on. */
  readonly dataDirectory: string;
  /** Line 4. */
  readonly port?: number;
}

/** What holds (or held) a data directory's lock, and so what a new start may do about it. */
export type PostmasterState =
  | { readonly state: 'absent' }
  /** Nothing of this directory's runs under the recorded pid (dead, a zombie, or another program): the file can go. */
  | { readonly state: 'stale'; readonly lock: PostmasterLock; readonly reason: string }
  /** This directory's postmaster, whose Node parent is gone (killed, crashed): nobody will stop it. */
  | { readonly state: 'orphaned'; readonly lock: PostmasterLock }
  /** This directory's postmaster, its Node parent still running: in use, not ours to stop. */
  | { readonly state: 'owned'; readonly lock: PostmasterLock; readonly ownerPid: number }
  /** Could not tell (no process table to read, an unreadable lock file): left to PostgreSQL. */
  | { readonly state: 'undetermined'; readonly reason: string };

const LOCK_FILE = 'postmaster.pid';

/**
 * Reads the lock file of `directory` and decides, from the process table, whether the
 * pid it names really is a postmaster of this directory (a pid is reused once its
 * process is gone, so the number alone proves nothing): the process must be alive, not a
 * zombie, run the `postgres` executable, and have this directory as its working directory
 * (the postmaster changes into its data directory) or, where that cannot be read, as its
 * `-D` argument; and the lock file must name this directory too. We start the server
 * straight from Node (no shell between them), so a postmaster whose parent is no longer a
 * Node process has been adopted by init or a subreaper: its starter is gone.
 */
export function inspectPostmaster(directory: string): PostmasterState {
  let text: string;
  try {
    text = readFileSync(join(directory, LOCK_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'undetermined', reason: `${LOCK_FILE} could not be read (${(error as Error).message})` };
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isSafeInteger(pid) || pid === 0 || lines[1] === undefined) {
    // Empty or torn (a crash while it was written, or a server starting this instant): PostgreSQL says which.
    return { state: 'undetermined', reason: `${LOCK_FILE} holds no pid` };
  }
  const lock: PostmasterLock = { pid, dataDirectory: lines[1], port: Number.isInteger(port) && port > 0 ? port : undefined };
  if (pid < 0) return { state: 'undetermined', reason: `${LOCK_FILE} names a single-user backend (pid ${-pid})` };

  const found = readProcess(pid);
  if (found === 'unreadable') return { state: 'undetermined', reason: `the process table cannot be read here to check pid ${pid}` };
  if (!found || found.zombie) return { state: 'stale', lock, reason: `no process has pid ${pid} any more` };
  if (!isPostgres(found)) return { state: 'stale', lock, reason: `pid ${pid} is now another program (${found.name})` };
  const servedDirectory = dataDirectoryOf(found);
  if (servedDirectory === undefined)
    return { state: 'undetermined', reason: `cannot tell which data directory the PostgreSQL with pid ${pid} serves` };
  if (!sameDirectory(servedDirectory, directory))
    return { state: 'stale', lock, reason: `pid ${pid} is now a PostgreSQL of another data directory` };
  if (!sameDirectory(lock.dataDirectory, directory)) {
    return { state: 'undetermined', reason: `${LOCK_FILE} names ${lock.dataDirectory}, not this directory` };
  }

  const parent = readProcess(found.ppid);
  if (parent && parent !== 'unreadable' && !parent.zombie && isNode(parent)) return { state: 'owned', lock, ownerPid: found.ppid };
  return { state: 'orphaned', lock };
}

/** Removes the lock file of a server that is gone (only after `inspectPostmaster` said `stale`). */
export function removeStaleLock(directory: string): void {
  rmSync(join(directory, LOCK_FILE), { force: true });
}

/** Whether `pid` is this directory's postmaster still (and not a pid reused since). */
export function isPostmasterOf(directory: string, pid: number): boolean {
  const state = inspectPostmaster(directory);
  return (state.state === 'orphaned' || state.state === 'owned') && state.lock.pid === pid;
}

interface ProcessInfo {
  readonly ppid: number;
  readonly zombie: boolean;
  /** The kernel's short name (Linux `comm`), or the executable's path where that is what `ps` gives. */
  readonly name: string;
  readonly argv: readonly string[];
  /** The executable and the working directory, where they can be read (Linux, same user or root). */
  readonly executable?: string;
  readonly cwd?: string;
}

/** The process with this pid, `undefined` if there is none, `'unreadable'` where there is no way to look. */
function readProcess(pid: number): ProcessInfo | undefined | 'unreadable' {
  if (pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    // EPERM: it exists, under another user; look on.
  }
  if (process.platform === 'linux') return readProcFs(pid);
  if (process.platform === 'win32') return 'unreadable';
  return readPs(pid);
}

function readProcFs(pid: number): ProcessInfo | undefined | 'unreadable' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
  // "pid (comm) state ppid ...": comm may itself hold spaces and parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const [state, ppid] = stat.slice(close + 2).split(' ');
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0');
  } catch {
    // gone meanwhile, or hidden: the name still tells a postgres apart
  }
  return {
    ppid: Number(ppid),
    zombie: state === 'Z' || state === 'X',
    name: stat.slice(open + 1, close),
    argv,
    executable: readLink(`/proc/${pid}/exe`),
    cwd: readLink(`/proc/${pid}/cwd`),
  };
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/** macOS and the BSDs: `ps`. The command line comes as one string, so only a `-D` without spaces is read. */
function readPs(pid: number): ProcessInfo | undefined | 'unreadable' {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'ppid=,stat=,comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    return (error as { status?: number }).status === 1 ? undefined : 'unreadable';
  }
  const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(out.trim());
  if (!match) return 'unreadable';
  let args = '';
  try {
    args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // gone meanwhile
  }
  return { ppid: Number(match[1]), zombie: match[2]!.startsWith('Z'), name: match[3]!, argv: args.split(/\s+/) };
}

function isPostgres(found: ProcessInfo): boolean {
  return [found.executable, found.name, found.argv[0]].some((name) => name !== undefined && basename(name) === 'postgres');
}

function isNode(found: ProcessInfo): boolean {
  return [found.executable, found.name, found.argv[0]].some(
    (name) => name !== undefined && /^node(js)?(\d[\d.]*)?(\.exe)?$/.test(basename(name)),
  );
}

function dataDirectoryOf(found: ProcessInfo): string | undefined {
  if (found.cwd) return found.cwd;
  const flag = found.argv.indexOf('-D');
  return flag >= 0 ? found.argv[flag + 1] : undefined;
}

function sameDirectory(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
