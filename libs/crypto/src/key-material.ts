import { closeSync, constants, fstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, Stats, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { Keyring, MASTER_KEY_BYTES } from './keyring';

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DEFAULT_MAX_BYTES = 16 * 1024;

/** A key file could not be used. The message names the file and never its content. */
export class KeyMaterialError extends Error {
  constructor(
    readonly keyName: string,
    reason: string,
  ) {
    super(`key file ${JSON.stringify(keyName.slice(0, 80))}: ${reason}`);
    this.name = 'KeyMaterialError';
  }
}

/**
 * Whose files may hold our keys: the process's own user, or root (a file root provisioned
 * is as trusted as the host). Anyone else could have written the key we would trust.
 */
function ownerProblem(stat: Stats): string | undefined {
  const self = process.getuid?.();
  if (self === undefined || stat.uid === self || stat.uid === 0) return undefined;
  return `is owned by another user (uid ${stat.uid}; this process runs as uid ${self})`;
}

/**
 * The host secrets directory. Names are flat and allow-listed; every file is opened
 * without following links and checked through its open descriptor, so what is checked
 * is what is read. The directory and its files belong to the process's user (or root),
 * and nobody else may write into the directory (else they could replace a key).
 */
export class KeyMaterialDirectory {
  readonly basePath: string;

  constructor(basePath: string) {
    try {
      this.basePath = realpathSync(basePath);
    } catch {
      throw new KeyMaterialError(basePath, 'the secrets directory does not exist');
    }
    const stat = statSync(this.basePath);
    if (!stat.isDirectory()) throw new KeyMaterialError(basePath, 'the secrets directory is not a directory');
    const owner = ownerProblem(stat);
    if (owner) throw new KeyMaterialError(basePath, `the secrets directory ${owner}`);
    if ((stat.mode & 0o022) !== 0) throw new KeyMaterialError(basePath, 'the secrets directory is writable by group or others (chmod 700)');
  }

  list(): string[] {
    return readdirSync(this.basePath).filter((name) => KEY_NAME.test(name));
  }

  read(name: string, maxBytes = DEFAULT_MAX_BYTES): Buffer {
    if (!KEY_NAME.test(name) || name.normalize('NFKC') !== name) {
      throw new KeyMaterialError(name, 'name is not a flat, allow-listed file name');
    }
    let fd: number;
    try {
      fd = openSync(join(this.basePath, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new KeyMaterialError(name, code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened (${code ?? 'error'})`);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new KeyMaterialError(name, 'is not a regular file');
      if (stat.nlink !== 1) throw new KeyMaterialError(name, 'has more than one hard link');
      if ((stat.mode & 0o077) !== 0) {
        throw new KeyMaterialError(name, 'is readable or writable by group or others (chmod 600)');
      }
      const owner = ownerProblem(stat);
      if (owner) throw new KeyMaterialError(name, `${owner} (chown it to this user)`);
      if (stat.size > maxBytes) throw new KeyMaterialError(name, `is larger than ${maxBytes} bytes`);
      if (process.platform === 'linux') {
        const opened = readlinkSync(`/proc/self/fd/${fd}`);
        if (!opened.startsWith(this.basePath + sep)) {
          throw new KeyMaterialError(name, 'resolves outside the secrets directory');
        }
      }
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      for (;;) {
        const read = readSync(fd, buffer, length, buffer.length - length, null);
        if (read === 0) break;
        length += read;
        if (length > maxBytes) throw new KeyMaterialError(name, `is larger than ${maxBytes} bytes`);
      }
      return buffer.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  }
}

/** Parses a base64 key file that must hold exactly `bytes` bytes. */
export function parseBase64Key(name: string, content: Buffer, bytes: number): Buffer {
  const text = content.toString('utf8').trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new KeyMaterialError(name, 'is not base64');
  const key = Buffer.from(text, 'base64');
  if (key.length !== bytes) throw new KeyMaterialError(name, `must decode to exactly ${bytes} bytes`);
  return key;
}

/** A family of versioned key files, `<stem>.vN.<extension>` (master keys, peppers, signing keys). */
export interface VersionedKeyFiles {
  /** Matched literally, dots included (`cosigner-acme.pub`). */
  readonly stem: string;
  readonly extension: string;
  /** What they are, for messages: "master key". */
  readonly what: string;
}

/**
 * Reads and parses every version of a key file family; the active version is the one
 * asked for, else the highest. Refused when there is none, or the active one is missing.
 */
export function loadVersionedKeys<T>(
  directory: KeyMaterialDirectory,
  files: VersionedKeyFiles,
  parse: (name: string, content: Buffer) => T,
  activeVersion?: number,
): { keys: Map<number, T>; active: number } {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${literal(files.stem)}\\.v([1-9][0-9]{0,8})\\.${literal(files.extension)}$`);
  const keys = new Map<number, T>();
  for (const name of directory.list()) {
    const match = pattern.exec(name);
    if (match?.[1]) keys.set(Number(match[1]), parse(name, directory.read(name)));
  }
  const family = `${files.stem}.vN.${files.extension}`;
  if (keys.size === 0)
    throw new KeyMaterialError(`${files.stem}.v1.${files.extension}`, `no ${files.what} (${family}) in the secrets directory`);
  const active = activeVersion ?? Math.max(...keys.keys());
  if (!keys.has(active))
    throw new KeyMaterialError(`${files.stem}.v${active}.${files.extension}`, `the active ${files.what} version is missing`);
  return { keys, active };
}

/** Loads every `master.vN.key`; the active version is the one asked for, else the highest. */
export function loadKeyring(directory: KeyMaterialDirectory, activeVersion?: number): Keyring {
  const { keys, active } = loadVersionedKeys(
    directory,
    { stem: 'master', extension: 'key', what: 'master key' },
    (name, content) => parseBase64Key(name, content, MASTER_KEY_BYTES),
    activeVersion,
  );
  return new Keyring(keys, active);
}

/** RSA below this size is refused: RS256 keys, ours and the providers' alike. */
export const MIN_RSA_BITS = 2048;

/** A parser of PEM RSA key files of one kind, of at least MIN_RSA_BITS; errors name the file, never its content. */
export function rsaKeyParser(kind: 'private' | 'public'): (name: string, content: Buffer) => KeyObject {
  return (name, content) => {
    let key: KeyObject;
    try {
      key = kind === 'private' ? createPrivateKey(content) : createPublicKey(content);
    } catch {
      throw new KeyMaterialError(name, `is not a PEM ${kind} key`);
    }
    const bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
    if ((bits ?? 0) < MIN_RSA_BITS) throw new KeyMaterialError(name, `must be an RSA ${kind} key of at least ${MIN_RSA_BITS} bits (RS256)`);
    return key;
  };
}
