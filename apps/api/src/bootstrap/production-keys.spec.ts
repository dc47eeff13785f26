import { KeyMaterialDirectory, loadKeyring } from '@ringfence/crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SigningKeys } from '../admin-identity/tokens/signing-keys';
import { CosignerKeys } from '../cosigner/protocol/cosigner-keys';
import { ApiKeyPeppers } from '../workspaces/api-keys/api-key-peppers';
import { DEVELOPMENT_MARKER } from './development-secrets';
import { initProductionKeys, KeysInitError, PRODUCTION_KEY_FILES } from './production-keys';

const ROOT = resolve(__dirname, '../../../..');

describe('initProductionKeys (keys:init)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rf-keys-init-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes a directory the production loaders accept, 0700 with every file 0600', () => {
    const dir = join(root, 'secrets');
    const result = initProductionKeys(dir);
    expect(result.created.map((file) => file.name)).toEqual(PRODUCTION_KEY_FILES.map((file) => file.name));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(PRODUCTION_KEY_FILES.map((file) => file.name).sort());
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    // What main.ts loads before anything starts, with production's provider list (none).
    const secrets = new KeyMaterialDirectory(dir);
    expect(() => loadKeyring(secrets)).not.toThrow();
    expect(() => SigningKeys.load(secrets)).not.toThrow();
    expect(() => ApiKeyPeppers.load(secrets)).not.toThrow();
    expect(() => CosignerKeys.load(secrets, [])).not.toThrow();
  });

  it('makes the files 0600 whatever the umask', () => {
    const previous = process.umask(0);
    try {
      initProductionKeys(join(root, 'secrets'));
    } finally {
      process.umask(previous);
    }
    for (const name of readdirSync(join(root, 'secrets'))) expect(statSync(join(root, 'secrets', name)).mode & 0o777).toBe(0o600);
  });

  it('never overwrites: a present key is a refusal with nothing written; --keep-existing makes only the missing ones', () => {
    const dir = join(root, 'secrets');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'master.v3.key'), 'kept\n', { mode: 0o600 });
    expect(() => initProductionKeys(dir)).toThrow(/already holds master\.v3\.key: nothing was written/);
    expect(readdirSync(dir)).toEqual(['master.v3.key']);

    const result = initProductionKeys(dir, { keepExisting: true });
    expect(result.kept.flatMap((entry) => entry.found)).toEqual(['master.v3.key']);
    expect(result.created.map((file) => file.name)).not.toContain('master.v1.key');
    expect(readFileSync(join(dir, 'master.v3.key'), 'utf8')).toBe('kept\n');
    expect(initProductionKeys(dir, { keepExisting: true }).created).toEqual([]);
  });

  it('refuses a directory the service would refuse, or that holds development keys', () => {
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => initProductionKeys(open)).toThrow(KeysInitError);
    const link = join(root, 'link');
    mkdirSync(join(root, 'real'), { mode: 0o700 });
    symlinkSync(join(root, 'real'), link);
    expect(() => initProductionKeys(link)).toThrow(/symbolic link/);
    const dev = join(root, 'dev');
    mkdirSync(dev, { mode: 0o700 });
    writeFileSync(join(dev, DEVELOPMENT_MARKER), '');
    expect(() => initProductionKeys(dev)).toThrow(/development keys/);
  });

  it('as a command: prints what to back up and no key material; a second run refuses (exit 1); bad usage exits 64', () => {
    const dir = join(root, 'secrets');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/bootstrap/keys-init.cli.ts', ...args],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const first = run('--dir', dir);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Back up now/);
    for (const file of PRODUCTION_KEY_FILES) {
      expect(first.stdout).toContain(file.name);
      const content = readFileSync(join(dir, file.name), 'utf8');
      for (const line of content.split('\n').filter((text) => text.length > 20 && !text.startsWith('-----'))) {
        expect(first.stdout + first.stderr).not.toContain(line.trim());
      }
    }
    const again = run('--dir', dir);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/nothing was written/);
    expect(run('--dir', dir, '--keep-existing').status).toBe(0);
    expect(run('--bogus').status).toBe(64);
    expect(run('--help').stdout).toMatch(/exit codes/);
  });
});
