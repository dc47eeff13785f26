import { KeyMaterialDirectory } from '@ringfence/crypto';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointKeys } from './checkpoint-keys';

const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('CheckpointKeys (audit-checkpoint.vN.pem)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rf-cp-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = (version?: number) => CheckpointKeys.load(new KeyMaterialDirectory(dir), version);

  it('is required: a directory without one stops the boot, naming the file', () => {
    expect(() => load()).toThrow(/audit-checkpoint\.v1\.pem.*no audit checkpoint signing key/);
  });

  it('takes Ed25519 only, naming the file and never its content', () => {
    const p256 = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    writeFileSync(join(dir, 'audit-checkpoint.v1.pem'), p256, { mode: 0o600 });
    expect(() => load()).toThrow(/audit-checkpoint\.v1\.pem.*must be an Ed25519 private key/);
    writeFileSync(join(dir, 'audit-checkpoint.v1.pem'), 'not a key', { mode: 0o600 });
    expect(() => load()).toThrow(/audit-checkpoint\.v1\.pem.*is not a PEM private key/);
  });

  it('signs with the highest version unless one is named; publishes every version; a named version must be present', () => {
    writeFileSync(join(dir, 'audit-checkpoint.v1.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
    writeFileSync(join(dir, 'audit-checkpoint.v2.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
    expect(load().activeVersion).toBe(2);
    expect(load(1).activeVersion).toBe(1);
    expect(
      load()
        .publicKeyPems()
        .map((key) => key.version),
    ).toEqual([1, 2]);
    expect(load().publicKeyPems()[0]!.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(() => load(3)).toThrow(/audit-checkpoint\.v3\.pem.*active audit checkpoint signing key version is missing/);
    expect(JSON.stringify(load())).toBe('{"activeVersion":2,"versions":[1,2]}');
  });
});
