import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyMaterialDirectory, KeyMaterialError, loadKeyring } from './key-material';

describe('KeyMaterialDirectory', () => {
  let root: string;
  let base: string;
  const masterKey = randomBytes(32).toString('base64');

  function secret(name: string, content: string | Buffer, mode = 0o600): void {
    writeFileSync(join(base, name), content, { mode });
    chmodSync(join(base, name), mode);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rf-keys-'));
    base = join(root, 'secrets');
    mkdirSync(base, { mode: 0o700 });
    writeFileSync(join(root, 'outside.key'), masterKey, { mode: 0o600 });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads a flat, private, regular file', () => {
    secret('master.v1.key', masterKey);
    expect(new KeyMaterialDirectory(base).read('master.v1.key').toString()).toBe(masterKey);
  });

  it.each(['../outside.key', '/etc/passwd', 'a/b', '.hidden', 'nul\0byte', 'ﬁle', ''])('refuses the name %j', (name) => {
    expect(() => new KeyMaterialDirectory(base).read(name)).toThrow(/not a flat, allow-listed/);
  });

  it('refuses a symlinked file', () => {
    symlinkSync(join(root, 'outside.key'), join(base, 'linked.key'));
    expect(() => new KeyMaterialDirectory(base).read('linked.key')).toThrow(/symbolic link/);
  });

  it('refuses a symlinked directory as a key name', () => {
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(base, 'dir.key'));
    expect(() => new KeyMaterialDirectory(base).read('dir.key')).toThrow(KeyMaterialError);
  });

  it('refuses a file reached through the secrets directory swapped for a symlink after it was resolved', () => {
    secret('master.v1.key', masterKey);
    const directory = new KeyMaterialDirectory(base);
    // The directory is resolved once; swapping it afterwards for a link to a look-alike
    // elsewhere is caught through the open descriptor (O_NOFOLLOW covers the last component only).
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    writeFileSync(join(elsewhere, 'master.v1.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
    rmSync(base, { recursive: true });
    symlinkSync(elsewhere, base);
    expect(() => directory.read('master.v1.key')).toThrow(/outside the secrets directory/);
  });

  it('refuses a hard link, a directory and a FIFO without hanging', () => {
    linkSync(join(root, 'outside.key'), join(base, 'hard.key'));
    mkdirSync(join(base, 'sub.key'));
    execFileSync('mkfifo', ['-m', '600', join(base, 'pipe.key')]);
    const dir = new KeyMaterialDirectory(base);
    expect(() => dir.read('hard.key')).toThrow(/hard link/);
    expect(() => dir.read('sub.key')).toThrow(/not a regular file/);
    expect(() => dir.read('pipe.key')).toThrow(/not a regular file/);
  });

  it('refuses group- or world-readable files and oversized files [V13.3.2]', () => {
    secret('open.key', masterKey, 0o644);
    secret('big.key', Buffer.alloc(20_000, 0x41));
    const dir = new KeyMaterialDirectory(base);
    expect(() => dir.read('open.key')).toThrow(/group or others/);
    expect(() => dir.read('big.key')).toThrow(/larger than/);
  });

  /**
   * A file or directory of another user. As root (CI), chown to `nobody`; otherwise the
   * process is made to report another uid, so our own files are another user's.
   */
  function ownedByAnotherUser(path: string): void {
    if (process.getuid!() === 0) chownSync(path, 65534, 65534);
    else jest.spyOn(process, 'getuid').mockReturnValue(process.getuid!() + 1);
  }
  afterEach(() => jest.restoreAllMocks());

  it('refuses a key file owned by another user, naming the owner, never the content [V13.3.2]', () => {
    secret('master.v1.key', masterKey);
    const dir = new KeyMaterialDirectory(base);
    ownedByAnotherUser(join(base, 'master.v1.key'));
    expect(() => dir.read('master.v1.key')).toThrow(/owned by another user \(uid \d+; this process runs as uid \d+\)/);
    expect(() => loadKeyring(dir)).toThrow(KeyMaterialError);
  });

  it('refuses a secrets directory owned by another user, or writable by group or others [V13.3.2]', () => {
    secret('master.v1.key', masterKey);
    chmodSync(base, 0o770);
    expect(() => new KeyMaterialDirectory(base)).toThrow(/writable by group or others/);
    chmodSync(base, 0o755);
    expect(new KeyMaterialDirectory(base).read('master.v1.key').toString()).toBe(masterKey);
    ownedByAnotherUser(base);
    expect(() => new KeyMaterialDirectory(base)).toThrow(/secrets directory is owned by another user/);
  });

  it('never puts the content in an error', () => {
    secret('master.v1.key', 'not-base64-!!' + masterKey);
    let message = '';
    try {
      loadKeyring(new KeyMaterialDirectory(base));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/master\.v1\.key.*not base64/);
    expect(message).not.toContain(masterKey);
  });

  it('loads every master key version and activates the highest', () => {
    secret('master.v1.key', masterKey);
    secret('master.v2.key', randomBytes(32).toString('base64'));
    const ring = loadKeyring(new KeyMaterialDirectory(base));
    expect(ring.versions).toEqual([1, 2]);
    expect(ring.activeVersion).toBe(2);
    expect(loadKeyring(new KeyMaterialDirectory(base), 1).activeVersion).toBe(1);
  });

  it('refuses a master key that is not exactly 32 bytes', () => {
    secret('master.v1.key', randomBytes(31).toString('base64'));
    expect(() => loadKeyring(new KeyMaterialDirectory(base))).toThrow(/exactly 32 bytes/);
  });
});
