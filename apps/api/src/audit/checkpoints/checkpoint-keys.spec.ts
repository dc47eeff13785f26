import { KeyMaterialDirectory } from '@ringfence/crypto';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointKeys, verifyEd25519 } from './checkpoint-keys';

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

  describe('a retired version kept as its public half alone (audit-checkpoint.pub.vN.pem)', () => {
    const publicHalf = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): string =>
      key.export({ type: 'spki', format: 'pem' }).toString();

    it('verifies and is published, never signs', () => {
      const retired = generateKeyPairSync('ed25519');
      writeFileSync(join(dir, 'audit-checkpoint.pub.v1.pem'), publicHalf(retired.publicKey), { mode: 0o600 });
      writeFileSync(join(dir, 'audit-checkpoint.v2.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
      const keys = load();
      expect(keys.activeVersion).toBe(2);
      expect(keys.publicKeyPems().map((key) => key.version)).toEqual([1, 2]);
      const payload = Buffer.from('a checkpoint signed before v1 retired');
      expect(verifyEd25519(keys.publicKeys().get(1)!, payload, sign(null, payload, retired.privateKey))).toBe(true);
      expect(() => load(1)).toThrow(/audit-checkpoint\.v1\.pem.*active audit checkpoint signing key version is missing/);
    });

    it('refuses a rollback: a version known by its public half newer than every private key signs nothing by default, only when named', () => {
      writeFileSync(join(dir, 'audit-checkpoint.v1.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
      // v2 retired (its private key destroyed) while the older v1 is still on disk.
      writeFileSync(join(dir, 'audit-checkpoint.pub.v2.pem'), publicHalf(generateKeyPairSync('ed25519').publicKey), { mode: 0o600 });
      expect(() => load()).toThrow(
        /audit-checkpoint\.pub\.v2\.pem.*version 2 is known but the newest signing key is audit-checkpoint\.v1\.pem.*rollback.*AUDIT_CHECKPOINT_KEY_VERSION=1/,
      );
      // AUDIT_CHECKPOINT_KEY_VERSION=1: on purpose, it signs, and v2's checkpoints still verify.
      expect(load(1).toJSON()).toEqual({ activeVersion: 1, versions: [1, 2] });
      // A newer private key provisioned: it signs by default again.
      writeFileSync(join(dir, 'audit-checkpoint.v3.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
      expect(load().activeVersion).toBe(3);
    });

    it('must be the public half of its private key when both are there, and never a private key', () => {
      writeFileSync(join(dir, 'audit-checkpoint.v1.pem'), pem(generateKeyPairSync('ed25519').privateKey), { mode: 0o600 });
      writeFileSync(join(dir, 'audit-checkpoint.pub.v1.pem'), publicHalf(generateKeyPairSync('ed25519').publicKey), { mode: 0o600 });
      expect(() => load()).toThrow(/audit-checkpoint\.pub\.v1\.pem.*is not the public half of audit-checkpoint\.v1\.pem/);
      const secret = pem(generateKeyPairSync('ed25519').privateKey);
      writeFileSync(join(dir, 'audit-checkpoint.pub.v1.pem'), secret, { mode: 0o600 });
      expect(() => load()).toThrow(/audit-checkpoint\.pub\.v1\.pem.*must hold a public key only/);
      writeFileSync(join(dir, 'audit-checkpoint.pub.v1.pem'), publicHalf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), {
        mode: 0o600,
      });
      expect(() => load()).toThrow(/audit-checkpoint\.pub\.v1\.pem.*must be an Ed25519 public key/);
    });
  });
});
