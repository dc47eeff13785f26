import { AuditChain, AuditSealer } from '@ringfence/audit';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { UnitOfWork } from '@ringfence/tenancy';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditCheckpoints, checkpointFile } from '../../apps/api/src/audit/checkpoints/audit-checkpoints';
import {
  checkpointLine,
  checkpointPayload,
  parseCheckpointLine,
  SignedCheckpoint,
} from '../../apps/api/src/audit/checkpoints/checkpoint-format';
import { CheckpointKeys } from '../../apps/api/src/audit/checkpoints/checkpoint-keys';
import { useTestModule } from '../support/use-test-module';

const ed25519Pem = (): string => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * The signed chain heads exported outside the database (docs/adr/0027-audit-checkpoints.md),
 * with the real sealer, the real chain and a superuser who rewrites a row and relinks every
 * later link: what the chain alone cannot see (ADR 0007) and the checkpoints do.
 */
describe('audit checkpoints: signed heads outside the database', () => {
  const t = useTestModule(() => []);
  let secretsDir: string;
  let exportDir: string;

  beforeEach(() => {
    secretsDir = mkdtempSync(join(tmpdir(), 'rf-cp-secrets-'));
    exportDir = mkdtempSync(join(tmpdir(), 'rf-cp-export-'));
    writeFileSync(join(secretsDir, 'audit-checkpoint.v1.pem'), ed25519Pem(), { mode: 0o600 });
  });
  afterEach(() => {
    rmSync(secretsDir, { recursive: true, force: true });
    rmSync(exportDir, { recursive: true, force: true });
  });

  const checkpointsWith = (activeVersion?: number) =>
    new AuditCheckpoints(CheckpointKeys.load(new KeyMaterialDirectory(secretsDir), activeVersion), t.get(UnitOfWork), {
      directory: exportDir,
    });
  const sealerWith = (checkpoints: AuditCheckpoints) => new AuditSealer(t.get(AuditChain), { retentionDays: 90 }, checkpoints);
  const append = (count: number) =>
    t.superuser.query(
      `INSERT INTO audit_log (actor_type, actor_id, action, outcome, after) SELECT 'system', 'spec', 'spec.event', 'success', jsonb_build_object('n', n) FROM generate_series(1, $1) n`,
      [count],
    );
  /** Every exported line, file by file (one file a day), in order. */
  const exported = (): SignedCheckpoint[] =>
    readdirSync(exportDir)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .flatMap((name) => readFileSync(join(exportDir, name), 'utf8').split('\n'))
      .filter((line) => line !== '')
      .map((line) => parseCheckpointLine(line) as SignedCheckpoint);
  const headSeq = async () => Number((await t.superuser.query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_chain')).rows[0]!.seq);

  /** A superuser with triggers off: the row rewritten, and every link from it on recomputed so the chain verifies. */
  async function rewriteAndRelink(seq: number): Promise<void> {
    await t.superuser.query('BEGIN');
    await t.superuser.query('SET LOCAL session_replication_role = replica');
    await t.superuser.query(`UPDATE audit_log SET after = '{"n":"forged"}' WHERE id = (SELECT audit_id FROM audit_chain WHERE seq = $1)`, [
      seq,
    ]);
    await t.superuser.query(`
      DO $$
      DECLARE
        link record;
        previous bytea;
        digest bytea;
      BEGIN
        SELECT coalesce((SELECT chain_hash FROM audit_chain WHERE seq = ${seq} - 1), '\\x${'00'.repeat(32)}'::bytea) INTO previous;
        FOR link IN SELECT c.seq, a AS entry FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id WHERE c.seq >= ${seq} ORDER BY c.seq LOOP
          digest := audit_row_hash(link.entry);
          previous := sha256(previous || digest);
          UPDATE audit_chain SET row_hash = digest, chain_hash = previous WHERE seq = link.seq;
        END LOOP;
      END $$`);
    await t.superuser.query('COMMIT');
  }

  it('signs each head the sealer reaches, exports it (file and table), and verifies it against the chain', async () => {
    const checkpoints = checkpointsWith();
    await append(3);
    await sealerWith(checkpoints).sealAll(0);
    const [first] = exported();
    expect(first).toEqual({
      seq: await headSeq(),
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      at: expect.any(String),
      keyVersion: 1,
      signature: expect.any(String),
    });
    expect(await checkpoints.page({ limit: 10 })).toEqual([first]);
    await expect(checkpoints.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 1, matched: 1 });
    // The table is append-only, like the audit rows.
    await t.superuser.query('BEGIN');
    await expect(t.superuser.query('DELETE FROM audit_head_checkpoints')).rejects.toThrow(/append-only/);
    await t.superuser.query('ROLLBACK');
  });

  it('catches a superuser who rewrites a row and relinks every later link: at the first checkpoint after the edit [V16.4.2]', async () => {
    const checkpoints = checkpointsWith();
    const sealer = sealerWith(checkpoints);
    await append(3);
    await sealer.sealAll(0);
    const before = await headSeq();
    await append(4);
    await sealer.sealAll(0);
    await append(2);
    await sealer.sealAll(0);
    const heads = exported().map((checkpoint) => checkpoint.seq);
    expect(heads).toHaveLength(3);
    await expect(checkpoints.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 3 });

    const edited = before + 2; // inside the second checkpoint's stretch
    await rewriteAndRelink(edited);

    // The chain alone sees nothing: every link hashes consistently.
    await expect(t.get(AuditChain).verify()).resolves.toMatchObject({ intact: true });
    const verdict = await checkpoints.verifyDirectory(exportDir);
    expect(verdict).toMatchObject({ intact: false, matched: 1, firstBreak: { seq: heads[1] } });
    expect(verdict.firstBreak!.where).toMatch(/^checkpoints-\d{4}-\d{2}-\d{2}\.jsonl:\d+$/);
    expect(verdict.firstBreak!.problem).toMatch(/chain hash differs from the signed checkpoint/);
  });

  it('refuses a forged checkpoint: an altered head, a signature by another key, an unknown key version', async () => {
    const checkpoints = checkpointsWith();
    await append(2);
    await sealerWith(checkpoints).sealAll(0);
    const [genuine] = exported();
    let file = join(exportDir, checkpointFile(genuine!.at));

    // The head moved to what a rewritten chain would hash to, the signature kept.
    writeFileSync(file, `${checkpointLine({ ...genuine!, headHash: 'ab'.repeat(32) })}\n`);
    await expect(checkpoints.verifyDirectory(exportDir)).resolves.toMatchObject({
      intact: false,
      firstBreak: { seq: genuine!.seq, problem: expect.stringMatching(/does not verify under key version 1: refused/) },
    });

    // A line signed by a key of the forger's own, claiming version 1.
    const forger = checkpointsWith();
    for (const name of readdirSync(exportDir)) rmSync(join(exportDir, name));
    writeFileSync(join(secretsDir, 'audit-checkpoint.v1.pem'), ed25519Pem(), { mode: 0o600 });
    const forged = await checkpointsWith().anchor({ seq: genuine!.seq, hash: genuine!.headHash });
    file = join(exportDir, checkpointFile(forged.at));
    await expect(forger.verifyDirectory(exportDir)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/does not verify/) },
    });

    // A version nobody published.
    const unsigned = { seq: genuine!.seq, headHash: genuine!.headHash, at: new Date().toISOString(), keyVersion: 7 };
    const { signature } = CheckpointKeys.load(new KeyMaterialDirectory(secretsDir)).sign(checkpointPayload(unsigned));
    writeFileSync(file, `${checkpointLine({ ...unsigned, signature: signature.toString('base64url') })}\n`);
    await expect(forger.verifyDirectory(exportDir)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/unknown key version 7/) },
    });

    // Not a checkpoint at all.
    appendFileSync(file, 'not json\n');
    await expect(forger.verifyDirectory(exportDir)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/malformed/) },
    });
  });

  it("survives a key rotation: v1's checkpoints still verify once v2 signs", async () => {
    await append(2);
    await sealerWith(checkpointsWith()).sealAll(0);
    writeFileSync(join(secretsDir, 'audit-checkpoint.v2.pem'), ed25519Pem(), { mode: 0o600 });
    const rotated = checkpointsWith();
    await append(2);
    await sealerWith(rotated).sealAll(0);

    expect(exported().map((checkpoint) => checkpoint.keyVersion)).toEqual([1, 2]);
    expect(rotated.publicKeys().map((key) => key.version)).toEqual([1, 2]);
    await expect(rotated.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 2, matched: 2 });
    // Pinned back to v1 (AUDIT_CHECKPOINT_KEY_VERSION=1), it signs with v1 and still reads v2's.
    const pinned = checkpointsWith(1);
    await append(1);
    await sealerWith(pinned).sealAll(0);
    expect(exported().map((checkpoint) => checkpoint.keyVersion)).toEqual([1, 2, 1]);
    await expect(pinned.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 3 });

    // v1 retired: its private key destroyed, its public half kept; v1's checkpoints still verify, v2 signs.
    const v1 = readFileSync(join(secretsDir, 'audit-checkpoint.v1.pem'));
    rmSync(join(secretsDir, 'audit-checkpoint.v1.pem'));
    writeFileSync(join(secretsDir, 'audit-checkpoint.pub.v1.pem'), createPublicKey(v1).export({ type: 'spki', format: 'pem' }), {
      mode: 0o600,
    });
    const retired = checkpointsWith();
    expect(retired.publicKeys().map((key) => [key.version, key.active])).toEqual([
      [1, false],
      [2, true],
    ]);
    await expect(retired.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 3, matched: 3 });
    expect(() => checkpointsWith(1)).toThrow(/audit-checkpoint\.v1\.pem.*active audit checkpoint signing key version is missing/);
  });

  it('writes one file per UTC day of signing, and verifies across every day’s file', async () => {
    const checkpoints = checkpointsWith();
    await append(1);
    await sealerWith(checkpoints).sealAll(0);
    await append(1);
    await sealerWith(checkpoints).sealAll(0);
    const lines = exported();
    expect(lines).toHaveLength(2);
    expect(readdirSync(exportDir)).toEqual([...new Set(lines.map((line) => checkpointFile(line.at)))].sort());
    expect(checkpointFile(lines[0]!.at)).toBe(`checkpoints-${lines[0]!.at.slice(0, 10)}.jsonl`);
    // Yesterday's file and today's: the verifier reads both, in sequence order whatever the names.
    for (const name of readdirSync(exportDir)) rmSync(join(exportDir, name));
    writeFileSync(join(exportDir, 'checkpoints-2026-11-29.jsonl'), `${checkpointLine(lines[0]!)}\n`);
    writeFileSync(join(exportDir, 'checkpoints-2026-11-30.jsonl'), `${checkpointLine(lines[1]!)}\n`);
    await expect(checkpoints.verifyDirectory(exportDir)).resolves.toMatchObject({ intact: true, checked: 2, matched: 2 });
  });
});
