import {
  AUDIT_ROW_TEXT_COLUMNS,
  AuditChain,
  auditRowCanonicalText,
  auditRowHash,
  AuditRowText,
  AuditSealer,
  ChainHead,
  RetentionBoundary,
} from '@ringfence/audit';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { UnitOfWork } from '@ringfence/tenancy';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditCheckpoints, checkpointFile } from '../../apps/api/src/audit/checkpoints/audit-checkpoints';
import {
  checkpointLine,
  checkpointPayload,
  isRetention,
  parseCheckpointLine,
  SignedCheckpoint,
  SignedLine,
  SignedRetention,
} from '../../apps/api/src/audit/checkpoints/checkpoint-format';
import { CheckpointKeys } from '../../apps/api/src/audit/checkpoints/checkpoint-keys';
import { useTestModule } from '../support/use-test-module';

const ed25519Pem = (): string => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * A database of its own (one per describe block: the tampering below leaves it broken), a
 * v1 checkpoint key, an export directory, the real sealer and chain.
 */
function checkpointFixture() {
  const t = useTestModule(() => []);
  const dirs = { secrets: '', export: '' };

  beforeEach(() => {
    dirs.secrets = mkdtempSync(join(tmpdir(), 'rf-cp-secrets-'));
    dirs.export = mkdtempSync(join(tmpdir(), 'rf-cp-export-'));
    writeFileSync(join(dirs.secrets, 'audit-checkpoint.v1.pem'), ed25519Pem(), { mode: 0o600 });
  });
  afterEach(() => {
    rmSync(dirs.secrets, { recursive: true, force: true });
    rmSync(dirs.export, { recursive: true, force: true });
  });

  const checkpointsWith = (activeVersion?: number, directory?: string) =>
    new AuditCheckpoints(CheckpointKeys.load(new KeyMaterialDirectory(dirs.secrets), activeVersion), t.get(UnitOfWork), {
      directory: directory ?? dirs.export,
    });
  const sealerWith = (checkpoints: AuditCheckpoints) => new AuditSealer(t.get(AuditChain), { retentionDays: 90 }, checkpoints);
  const append = (count: number, tag = 'spec') =>
    t.superuser.query(
      `INSERT INTO audit_log (actor_type, actor_id, action, outcome, after) SELECT 'system', 'spec', 'spec.event', 'success', jsonb_build_object('n', n, 'tag', $2::text) FROM generate_series(1, $1) n`,
      [count, tag],
    );
  /** Every exported line, file by file (one file a day), in order. */
  const exportedLines = (): SignedLine[] =>
    readdirSync(dirs.export)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .flatMap((name) => readFileSync(join(dirs.export, name), 'utf8').split('\n'))
      .filter((line) => line !== '')
      .map((line) => parseCheckpointLine(line) as SignedLine);
  const exported = (): SignedCheckpoint[] => exportedLines().filter((line): line is SignedCheckpoint => !isRetention(line));
  const headSeq = async () => Number((await t.superuser.query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_chain')).rows[0]!.seq);
  /** `sql` as a superuser with every trigger off (session_replication_role = replica), in one transaction. */
  const asSuperuserUnchecked = async (...statements: string[]) => {
    await t.superuser.query('BEGIN');
    await t.superuser.query('SET LOCAL session_replication_role = replica');
    for (const sql of statements) await t.superuser.query(sql);
    await t.superuser.query('COMMIT');
  };
  /** What `npm run audit:verify -- --checkpoints` answers: the walk in the database, and the checkpoints. */
  const verdicts = async (checkpoints: AuditCheckpoints) => ({
    chain: await t.get(AuditChain).verify(),
    checkpoints: await checkpoints.verifyDirectory(dirs.export),
  });
  return { t, dirs, checkpointsWith, sealerWith, append, exportedLines, exported, headSeq, asSuperuserUnchecked, verdicts };
}

/**
 * The signed chain heads exported outside the database (docs/adr/0027-audit-checkpoints.md),
 * with the real sealer, the real chain and a superuser who rewrites a row and relinks every
 * later link: what the chain alone cannot see (ADR 0007) and the checkpoints do.
 */
describe('audit checkpoints: signed heads outside the database', () => {
  const { t, dirs, checkpointsWith, sealerWith, append, exported, headSeq } = checkpointFixture();

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
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 1, matched: 1 });
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
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 3 });
    // Read two links at a time (keyset): the same verdict.
    await expect(checkpoints.verifyDirectory(dirs.export, 2)).resolves.toMatchObject({ intact: true, checked: 3, matched: 3 });

    const edited = before + 2; // inside the second checkpoint's stretch
    await rewriteAndRelink(edited);

    // The chain alone sees nothing: every link hashes consistently.
    await expect(t.get(AuditChain).verify()).resolves.toMatchObject({ intact: true });
    const verdict = await checkpoints.verifyDirectory(dirs.export);
    expect(verdict).toMatchObject({ intact: false, matched: 1, firstBreak: { seq: heads[1] } });
    await expect(checkpoints.verifyDirectory(dirs.export, 2)).resolves.toEqual(verdict);
    expect(verdict.firstBreak!.where).toMatch(/^checkpoints-\d{4}-\d{2}-\d{2}\.jsonl:\d+$/);
    expect(verdict.firstBreak!.problem).toMatch(/chain hash differs from the signed checkpoint/);
  });

  it('refuses a forged checkpoint: an altered head, a signature by another key, an unknown key version', async () => {
    const checkpoints = checkpointsWith();
    await append(2);
    await sealerWith(checkpoints).sealAll(0);
    const [genuine] = exported();
    let file = join(dirs.export, checkpointFile(genuine!.at));

    // The head moved to what a rewritten chain would hash to, the signature kept.
    writeFileSync(file, `${checkpointLine({ ...genuine!, headHash: 'ab'.repeat(32) })}\n`);
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { seq: genuine!.seq, problem: expect.stringMatching(/does not verify under key version 1: refused/) },
    });

    // A line signed by a key of the forger's own, claiming version 1.
    const forger = checkpointsWith();
    for (const name of readdirSync(dirs.export)) rmSync(join(dirs.export, name));
    writeFileSync(join(dirs.secrets, 'audit-checkpoint.v1.pem'), ed25519Pem(), { mode: 0o600 });
    const forged = await checkpointsWith().anchor({ seq: genuine!.seq, hash: genuine!.headHash });
    file = join(dirs.export, checkpointFile(forged.at));
    await expect(forger.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/does not verify/) },
    });

    // A version nobody published.
    const unsigned = { seq: genuine!.seq, headHash: genuine!.headHash, at: new Date().toISOString(), keyVersion: 7 };
    const { signature } = CheckpointKeys.load(new KeyMaterialDirectory(dirs.secrets)).sign(checkpointPayload(unsigned));
    writeFileSync(file, `${checkpointLine({ ...unsigned, signature: signature.toString('base64url') })}\n`);
    await expect(forger.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/unknown key version 7/) },
    });

    // Not a checkpoint at all.
    appendFileSync(file, 'not json\n');
    await expect(forger.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/malformed/) },
    });
  });

  it("survives a key rotation: v1's checkpoints still verify once v2 signs", async () => {
    await append(2);
    await sealerWith(checkpointsWith()).sealAll(0);
    writeFileSync(join(dirs.secrets, 'audit-checkpoint.v2.pem'), ed25519Pem(), { mode: 0o600 });
    const rotated = checkpointsWith();
    await append(2);
    await sealerWith(rotated).sealAll(0);

    expect(exported().map((checkpoint) => checkpoint.keyVersion)).toEqual([1, 2]);
    expect(rotated.publicKeys().map((key) => key.version)).toEqual([1, 2]);
    await expect(rotated.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 2, matched: 2 });
    // Pinned back to v1 (AUDIT_CHECKPOINT_KEY_VERSION=1), it signs with v1 and still reads v2's.
    const pinned = checkpointsWith(1);
    await append(1);
    await sealerWith(pinned).sealAll(0);
    expect(exported().map((checkpoint) => checkpoint.keyVersion)).toEqual([1, 2, 1]);
    await expect(pinned.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 3 });

    // v1 retired: its private key destroyed, its public half kept; v1's checkpoints still verify, v2 signs.
    const v1 = readFileSync(join(dirs.secrets, 'audit-checkpoint.v1.pem'));
    rmSync(join(dirs.secrets, 'audit-checkpoint.v1.pem'));
    writeFileSync(join(dirs.secrets, 'audit-checkpoint.pub.v1.pem'), createPublicKey(v1).export({ type: 'spki', format: 'pem' }), {
      mode: 0o600,
    });
    const retired = checkpointsWith();
    expect(retired.publicKeys().map((key) => [key.version, key.active])).toEqual([
      [1, false],
      [2, true],
    ]);
    await expect(retired.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 3, matched: 3 });
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
    expect(readdirSync(dirs.export)).toEqual([...new Set(lines.map((line) => checkpointFile(line.at)))].sort());
    expect(checkpointFile(lines[0]!.at)).toBe(`checkpoints-${lines[0]!.at.slice(0, 10)}.jsonl`);
    // Yesterday's file and today's: the verifier reads both, in sequence order whatever the names.
    for (const name of readdirSync(dirs.export)) rmSync(join(dirs.export, name));
    writeFileSync(join(dirs.export, 'checkpoints-2026-11-29.jsonl'), `${checkpointLine(lines[0]!)}\n`);
    writeFileSync(join(dirs.export, 'checkpoints-2026-11-30.jsonl'), `${checkpointLine(lines[1]!)}\n`);
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({ intact: true, checked: 2, matched: 2 });
  });

  it('refuses an empty directory, one without the newest exported checkpoint, and a *.jsonl that is not a regular file; reports what it skipped', async () => {
    const checkpoints = checkpointsWith();
    await append(2);
    await sealerWith(checkpoints).sealAll(0);
    await append(2);
    await sealerWith(checkpoints).sealAll(0);
    const [older, newest] = exported();

    // Every file deleted, or the wrong directory: nothing checked is no verdict.
    for (const name of readdirSync(dirs.export)) rmSync(join(dirs.export, name));
    writeFileSync(join(dirs.export, 'README.txt'), 'not a checkpoint file');
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toEqual({
      intact: false,
      checked: 0,
      matched: 0,
      firstBreak: { seq: null, where: 'the checkpoint directory', problem: 'no checkpoints to check' },
      skipped: ['README.txt'],
    });

    // The newest day's file gone: the app recorded a newer export than the directory holds.
    writeFileSync(join(dirs.export, 'checkpoints-2026-11-29.jsonl'), `${checkpointLine(older!)}\n`);
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { seq: newest!.seq, problem: expect.stringMatching(/lacks checkpoint seq \d+ .*incomplete/) },
    });
    writeFileSync(join(dirs.export, 'checkpoints-2026-11-30.jsonl'), `${checkpointLine(newest!)}\n`);
    mkdirSync(join(dirs.export, 'archive'));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toEqual({
      intact: true,
      checked: 2,
      matched: 2,
      firstBreak: null,
      skipped: ['README.txt', 'archive'],
    });

    // A FIFO behind a symlink would block a read for ever: refused before it is opened, naming it.
    const fifo = join(dirs.secrets, 'pipe');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(dirs.export, 'checkpoints-2026-12-01.jsonl'));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { seq: null, where: 'checkpoints-2026-12-01.jsonl', problem: expect.stringMatching(/not a regular file.*refused/) },
    });
    rmSync(join(dirs.export, 'checkpoints-2026-12-01.jsonl'));
    // A symlink to a regular file is refused all the same (the link could point anywhere), and so is the FIFO itself.
    symlinkSync(join(dirs.export, 'checkpoints-2026-11-30.jsonl'), join(dirs.export, 'checkpoints-2026-12-02.jsonl'));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { where: 'checkpoints-2026-12-02.jsonl' },
    });
    rmSync(join(dirs.export, 'checkpoints-2026-12-02.jsonl'));
    execFileSync('mkfifo', [join(dirs.export, 'checkpoints-2026-12-03.jsonl')]);
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { where: 'checkpoints-2026-12-03.jsonl', problem: expect.stringMatching(/not a regular file/) },
    });
    rmSync(join(dirs.export, 'checkpoints-2026-12-03.jsonl'));
    mkdirSync(join(dirs.export, 'checkpoints-2026-12-04.jsonl'));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { where: 'checkpoints-2026-12-04.jsonl' },
    });
  });
});

/** Deterministic pseudo-random choices (a linear congruential generator): the same rows on every run. */
function choices(seed: number): <T>(items: readonly T[]) => T {
  let state = seed >>> 0;
  return (items) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return items[state % items.length]!;
  };
}

describe('audit checkpoints: the row hash recomputed outside the database', () => {
  const t = useTestModule(() => []);

  const STRINGS = [
    '',
    'plain',
    'quote " and \\ backslash, slash /',
    "single ' quote; -- not SQL",
    'controls \u0001\u0002\u0008\t\n\u000b\u000c\r\u000e\u001b\u001f end',
    'delete \u007f and C1 \u0085\u009f',
    'é ü ß Ω 中文 日本語 한국어',
    'emoji 😀 👩‍👩‍👧 🏳️‍🌈 (astral and joiners)',
    'line separators \u2028 \u2029 and BOM \ufeff',
    '{"looks":"like json"}',
    '\\u0041 is not an escape here',
    '   spaces   ',
  ];
  const JSONB = [
    '{"a": 1.50, "b": 1e3, "c": -0, "d": 1e-7, "e": 12345678901234567890, "f": 0.1000, "g": -2.5E-3}',
    '[1, "two", null, true, false, {"nested": {"deep": [[], {}, [null]]}}]',
    'null',
    '"a string \\u0001 \\" \\\\ é 😀"',
    '123.4500',
    '{"z": 1, "a": 2, "aa": 3, "é": "😀", "": "empty key"}',
    '[]',
    '{}',
    'true',
    '{"k\\n": "v\\t", "quote\\"": "back\\\\slash", "ctl": "\\u001f\\u007fx"}',
    '{"dup": 1, "dup": 2}',
    '[1.0, 10, 1E+2, 0.00001, 100000000000000000000000000000.5]',
  ];
  const IPS = ['192.168.1.5', '10.0.0.0/8', '::1', '2001:db8::ff00:42:8329', '::ffff:1.2.3.4', '192.168.0.1/24'];

  it('equals audit_row_hash on every row: unicode, quotes, control characters, nested jsonb, numbers, SQL NULL and JSON null [V16.4.2]', async () => {
    const pick = choices(20_261_130);
    const maybe = <T>(value: T): T | null => pick([value, value, null]);
    const rows: unknown[][] = [];
    // Every string and every jsonb value at least once, in every text column in turn.
    for (let i = 0; i < 240; i += 1) {
      const text = (offset: number) => STRINGS[(i + offset) % STRINGS.length]!;
      rows.push([
        `${(i * 7919) % 1_000_000} microseconds`,
        maybe('6f1c2b9e-0d3a-4c4e-9b1f-3c2d1e0f9a8b'),
        pick(['admin', 'api_key', 'provider', 'system', 'anonymous']),
        maybe(text(0)),
        pick(['spec.hash', 'spec.hash.more', 'a.b_c.d9']),
        maybe(text(1)),
        maybe(text(2)),
        i % 12 === 3 ? null : JSONB[i % JSONB.length]!,
        i % 12 === 5 ? null : JSONB[(i * 5 + 1) % JSONB.length]!,
        pick(['success', 'failure', 'denied']),
        maybe(text(3)),
        maybe(pick(IPS)),
        maybe(text(4)),
        maybe(`req-${i}`),
        pick(['live', 'test', null]),
        maybe(text(5)),
      ]);
    }
    for (const row of rows) {
      await t.superuser.query(
        `INSERT INTO audit_log (occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome,
                                reason, client_ip, user_agent, request_id, environment, client_request_id)
         VALUES (now() - $1::interval, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12::inet, $13, $14, $15, $16)`,
        row,
      );
    }
    const { rows: read } = await t.superuser.query<AuditRowText & { expected: Buffer }>(
      `SELECT ${AUDIT_ROW_TEXT_COLUMNS}, audit_row_hash(a) AS expected FROM audit_log a WHERE a.action LIKE 'spec.%' OR a.action = 'a.b_c.d9' ORDER BY a.id`,
    );
    expect(read).toHaveLength(rows.length);
    // The variety is really there: SQL NULL and JSON null both, control characters, astral characters, a client's request id and none.
    expect(read.some((row) => row.before === null) && read.some((row) => row.before === 'null')).toBe(true);
    expect(read.some((row) => [...(row.reason ?? '')].some((char) => char.charCodeAt(0) < 0x20))).toBe(true);
    expect(read.some((row) => (row.after ?? '').includes('😀'))).toBe(true);
    expect(read.some((row) => row.client_request_id === null) && read.some((row) => row.client_request_id !== null)).toBe(true);
    const differing = read
      .filter((row) => !auditRowHash(row).equals(row.expected))
      .map((row) => ({ id: row.id, text: auditRowCanonicalText(row) }));
    expect(differing).toEqual([]);
  });

  it('is the jsonb text the database hashes, to the byte (the 0008 definition, spelled out)', async () => {
    await t.superuser.query(
      `INSERT INTO audit_log (actor_type, action, outcome, before, after, reason, client_ip, client_request_id)
       VALUES ('system', 'spec.text', 'success', NULL, '{"b": 1.50, "a": [1e3, null, "x\\ty"]}', 'q"\\', '::1', 'client-1')`,
    );
    const [row] = (
      await t.superuser.query<AuditRowText & { sql_text: string }>(
        `SELECT ${AUDIT_ROW_TEXT_COLUMNS},
                (jsonb_build_array(a.id, (extract(epoch FROM a.occurred_at) * 1000000)::bigint, a.workspace_id, a.actor_type, a.actor_id, a.action,
                   a.target_type, a.target_id,
                   CASE WHEN a.before IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(a.before) END,
                   CASE WHEN a.after IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(a.after) END, a.outcome, a.reason, a.client_ip::text, a.user_agent,
                   a.request_id, a.environment)
                 || CASE WHEN a.client_request_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(a.client_request_id) END)::text AS sql_text
           FROM audit_log a WHERE a.action = 'spec.text'`,
      )
    ).rows;
    expect(auditRowCanonicalText(row!)).toBe(row!.sql_text);
    expect(row!.sql_text).toContain(', [], [{"a": [1000, null, "x\\ty"], "b": 1.50}], "success", "q\\"\\\\", "::1/128"');
  });
});

describe('audit checkpoints: a superuser with triggers off, a forged retention record and rows deleted', () => {
  const { t, checkpointsWith, sealerWith, append, asSuperuserUnchecked, verdicts } = checkpointFixture();

  it('is caught: a missing row needs a signed retention line, and a retention record without one is refused [V16.4.2]', async () => {
    const checkpoints = checkpointsWith();
    const sealer = sealerWith(checkpoints);
    await append(3, 'a');
    await sealer.sealAll(0);
    await append(3, 'incriminating');
    await sealer.sealAll(0);
    await append(2, 'c');
    await sealer.sealAll(0);
    expect(await verdicts(checkpoints)).toMatchObject({ chain: { intact: true }, checkpoints: { intact: true, checked: 3, matched: 3 } });
    const [victim] = (
      await t.superuser.query<{ seq: string; id: string }>(
        `SELECT c.seq, a.id FROM audit_log a JOIN audit_chain c ON c.audit_id = a.id WHERE a.after->>'tag' = 'incriminating' ORDER BY c.seq LIMIT 1`,
      )
    ).rows;

    // An unsigned "retention" record covering the whole chain, then the rows deleted: the links are untouched.
    await asSuperuserUnchecked(
      `INSERT INTO audit_checkpoints (kind, retired_before, through_seq, chain_hash, partitions, rows_retired)
       SELECT 'retention', now(), seq, chain_hash, '{}', 0 FROM audit_chain ORDER BY seq DESC LIMIT 1`,
      `DELETE FROM audit_log WHERE after->>'tag' = 'incriminating'`,
    );
    const after = await verdicts(checkpoints);
    // The walk in the database forgives the rows (it trusts audit_checkpoints); the signed record does not.
    expect(after.chain.intact).toBe(true);
    expect(after.checkpoints).toMatchObject({
      intact: false,
      firstBreak: {
        where: expect.stringMatching(/^audit_checkpoints id \d+$/),
        problem: expect.stringMatching(/no signed retention line/),
      },
    });
    expect(after.chain.intact && after.checkpoints.intact).toBe(false);

    expect(after.checkpoints.firstBreak!.seq).toBeGreaterThanOrEqual(Number(victim!.seq));
  });
});

describe('audit checkpoints: a superuser who deletes a sealed row and puts a forged one in its place', () => {
  const { t, checkpointsWith, sealerWith, append, asSuperuserUnchecked, verdicts } = checkpointFixture();

  it('is caught: the deleted row is missing under no signed retention line, whatever the database forgives [V16.4.2]', async () => {
    const checkpoints = checkpointsWith();
    const sealer = sealerWith(checkpoints);
    await append(2, 'a');
    await sealer.sealAll(0);
    await append(1, 'incriminating');
    await sealer.sealAll(0);
    const [victim] = (
      await t.superuser.query<{ id: string; occurred_at: Date }>(
        `SELECT id, occurred_at FROM audit_log WHERE after->>'tag' = 'incriminating'`,
      )
    ).rows;
    // Deleted and replaced (a new id, the victim's time), first without any retention record at all.
    await asSuperuserUnchecked(
      `DELETE FROM audit_log WHERE after->>'tag' = 'incriminating'`,
      `INSERT INTO audit_log (occurred_at, actor_type, actor_id, action, outcome, after)
       VALUES ('${victim!.occurred_at.toISOString()}', 'system', 'spec', 'spec.event', 'success', '{"tag":"harmless"}')`,
    );
    await sealer.sealAll(0);
    const replaced = await verdicts(checkpoints);
    expect(replaced.chain).toMatchObject({ intact: false, firstBreak: { problem: 'row deleted' } });
    expect(replaced.checkpoints).toMatchObject({
      intact: false,
      firstBreak: {
        where: `audit row ${victim!.id}`,
        problem: 'the audit row of a sealed link is missing and no signed retention line covers it (deleted)',
      },
    });

    // Then with an unsigned retention record over it: the database's walk says intact, the signed lines do not.
    await asSuperuserUnchecked(
      `INSERT INTO audit_checkpoints (kind, retired_before, through_seq, chain_hash, partitions, rows_retired)
       SELECT 'retention', now(), seq, chain_hash, '{}', 0 FROM audit_chain WHERE audit_id = ${victim!.id}`,
    );
    const forgiven = await verdicts(checkpoints);
    expect(forgiven.chain.intact).toBe(true);
    expect(forgiven.checkpoints).toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/no signed retention line/) },
    });
  });
});

describe('audit checkpoints: a superuser who edits a row in place and replaces audit_verify', () => {
  const { t, checkpointsWith, sealerWith, append, asSuperuserUnchecked, verdicts } = checkpointFixture();

  it('is caught: the chain is recomputed from the rows, not read from audit_chain or asked of audit_verify [V16.4.2]', async () => {
    const checkpoints = checkpointsWith();
    const sealer = sealerWith(checkpoints);
    await append(3, 'a');
    await sealer.sealAll(0);
    await append(3, 'b');
    await sealer.sealAll(0);
    const [edited] = (
      await t.superuser.query<{ seq: string; id: string }>(
        `SELECT c.seq, a.id FROM audit_log a JOIN audit_chain c ON c.audit_id = a.id WHERE a.after->>'tag' = 'a' ORDER BY c.seq LIMIT 1`,
      )
    ).rows;
    await asSuperuserUnchecked(
      `UPDATE audit_log SET after = '{"tag":"forged"}' WHERE after->>'tag' = 'a'`,
      // No relink: every stored row_hash and chain_hash stays as signed. The walk itself is replaced, and so is the row hash.
      `ALTER FUNCTION audit_verify(bigint) RENAME TO audit_verify_orig`,
      `CREATE FUNCTION audit_verify(from_seq bigint)
         RETURNS TABLE (checked bigint, head_seq bigint, break_seq bigint, break_audit_id bigint, problem text)
         LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*)::bigint, max(seq), NULL::bigint, NULL::bigint, NULL::text FROM audit_chain $$`,
      'GRANT EXECUTE ON FUNCTION audit_verify(bigint) TO ringfence_app',
      `CREATE OR REPLACE FUNCTION audit_row_hash(r audit_log) RETURNS bytea LANGUAGE sql STABLE
         AS $$ SELECT c.row_hash FROM audit_chain c WHERE c.audit_id = r.id $$`,
    );
    try {
      const after = await verdicts(checkpoints);
      expect(after.chain.intact).toBe(true);
      expect(after.checkpoints).toMatchObject({
        intact: false,
        matched: 0,
        firstBreak: {
          seq: 3,
          problem: `the chain hash differs from the signed checkpoint (audit row ${edited!.id} at seq ${edited!.seq} no longer hashes as it was sealed: changed in place)`,
        },
      });
    } finally {
      await t.superuser.query('DROP FUNCTION audit_verify(bigint)');
      await t.superuser.query('ALTER FUNCTION audit_verify_orig(bigint) RENAME TO audit_verify');
    }
  });
});

describe('audit checkpoints: retention, signed and exported', () => {
  const { t, dirs, checkpointsWith, sealerWith, append, exportedLines, asSuperuserUnchecked } = checkpointFixture();

  beforeAll(async () => {
    // Months reaching back half a year, with rows in the old ones (after rows of today: ids and times need not agree).
    await t.superuser.query(`SET ROLE ringfence_owner`);
    await t.superuser.query(`SELECT set_config('app.platform', 'on', false)`);
    await t.superuser.query(`SELECT audit_ensure_partitions((date_trunc('month', now()) - interval '6 months')::date, 3)`);
    await t.superuser.query(`RESET ROLE`);
    await t.superuser.query(`SELECT set_config('app.platform', '', false)`);
  });
  const appendOld = () =>
    t.superuser.query(
      `INSERT INTO audit_log (occurred_at, actor_type, action, outcome)
       SELECT date_trunc('month', now()) - make_interval(months => m) + interval '3 days', 'system', 'old.event', 'success'
         FROM generate_series(1, 6) m, generate_series(1, 3)`,
    );
  const partitions = async () =>
    Number(
      (await t.superuser.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'audit_log'::regclass`)).rows[0]!.n,
    );

  it('drops nothing when the retention line cannot be exported: the drop waits on the line', async () => {
    await append(2);
    await appendOld();
    await sealerWith(checkpointsWith()).sealAll(0);
    const before = await partitions();
    const unwritable = join(dirs.export, 'not-a-directory');
    writeFileSync(unwritable, '');
    // Heads export fine; the retention line alone cannot be written.
    const good = checkpointsWith();
    const bad = checkpointsWith(undefined, unwritable);
    const exporting: string[] = [];
    const anchor = {
      anchor: (head: ChainHead) => good.anchor(head),
      retention: (boundary: RetentionBoundary) => {
        exporting.push(boundary.retiredBefore);
        return bad.retention(boundary);
      },
    };
    await expect(new AuditSealer(t.get(AuditChain), { retentionDays: 90 }, anchor).retire()).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(exporting).toHaveLength(1);
    expect(await partitions()).toBe(before);
    expect((await t.superuser.query('SELECT 1 FROM audit_checkpoints')).rows).toEqual([]);
  });

  it('signs where retention ended; the retired rows verify under it, a row deleted beside them does not [V16.4.2]', async () => {
    const checkpoints = checkpointsWith();
    const sealer = sealerWith(checkpoints);
    await sealer.sealAll(0);
    const dropped = await sealer.retire();
    expect(dropped.length).toBeGreaterThanOrEqual(3);
    await append(1);
    await sealer.sealAll(0);

    const [record] = (
      await t.superuser.query<{ through_seq: string; chain_hash: Buffer; retired_before: Date }>(
        `SELECT through_seq, chain_hash, retired_before FROM audit_checkpoints`,
      )
    ).rows;
    const retention = exportedLines().filter(isRetention);
    expect(retention).toEqual([
      {
        kind: 'retention',
        throughSeq: Number(record!.through_seq),
        headHash: record!.chain_hash.toString('hex'),
        retiredBefore: record!.retired_before.toISOString(),
        rowsRetired: dropped.reduce((sum, part) => sum + part.rows, 0),
        at: expect.any(String),
        keyVersion: 1,
        signature: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
      },
    ]);
    const verdict = await checkpoints.verifyDirectory(dirs.export);
    const lines = exportedLines().length;
    expect(verdict).toEqual({ intact: true, checked: lines, matched: lines, firstBreak: null, skipped: [] });
    await expect(checkpoints.verifyDirectory(dirs.export, 4)).resolves.toEqual(verdict);
    expect((await t.get(AuditChain).verify()).intact).toBe(true);

    const file = join(dirs.export, checkpointFile(retention[0]!.at));
    const genuine = readFileSync(file, 'utf8');
    const retentionText = checkpointLine(retention[0]!);
    // The line gone from the directory: the database's record of the drop has nothing signed behind it.
    writeFileSync(file, genuine.replace(`${retentionText}\n`, ''));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/retention record in the database has no signed retention line/) },
    });
    // The line moved further (more rows forgiven), its signature kept: refused.
    const stretched: SignedRetention = { ...retention[0]!, throughSeq: retention[0]!.throughSeq + 5 };
    writeFileSync(file, genuine.replace(retentionText, checkpointLine(stretched)));
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/retention line signature does not verify under key version 1/) },
    });
    writeFileSync(file, genuine);

    // A row of a kept month deleted, and its link's time moved back past the boundary: still not retired.
    const [kept] = (
      await t.superuser.query<{ id: string }>(`SELECT id FROM audit_log WHERE action = 'old.event' ORDER BY occurred_at, id LIMIT 1`)
    ).rows;
    await asSuperuserUnchecked(
      `DELETE FROM audit_log WHERE id = ${kept!.id}`,
      `UPDATE audit_chain SET occurred_at = occurred_at - interval '5 months' WHERE audit_id = ${kept!.id}`,
    );
    await expect(checkpoints.verifyDirectory(dirs.export)).resolves.toMatchObject({
      intact: false,
      firstBreak: { problem: expect.stringMatching(/missing beyond the \d+ rows the signed retention lines retired \(deleted\)/) },
    });
  });
});
