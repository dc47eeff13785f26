import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_ROW_TEXT_COLUMNS, type AuditHeadAnchor, type AuditRowText, type ChainHead, type RetentionBoundary } from '@ringfence/audit';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CheckpointKeys } from './checkpoint-keys';
import {
  ChainLink,
  ChainSource,
  checkpointLine,
  checkpointPayload,
  CheckpointVerdict,
  parseCheckpointLine,
  retentionPayload,
  SignedCheckpoint,
  SignedLine,
  SignedRetention,
  VERIFY_BATCH,
  verifyCheckpoints,
} from './checkpoint-format';

export const AUDIT_CHECKPOINT_OPTIONS = Symbol('AUDIT_CHECKPOINT_OPTIONS');
export interface AuditCheckpointOptions {
  /** Where the signed checkpoints are appended (AUDIT_CHECKPOINT_DIR; `<data dir>/audit-checkpoints` by default). */
  readonly directory: string;
}

/**
 * The exported file a checkpoint goes to: one per UTC day of its signing time
 * (`checkpoints-2026-11-30.jsonl`), one JSON line per checkpoint, appended and fsync'd. A
 * finished day's file no longer changes: it can be shipped, sealed or locked as it is.
 */
export function checkpointFile(at: string): string {
  return `checkpoints-${at.slice(0, 10)}.jsonl`;
}

const CHECKPOINTER: Principal = { kind: 'system', process: 'audit-checkpoints' };

/** A link and its row's columns as text (AUDIT_ROW_TEXT_COLUMNS; `id` null: no row). */
type LinkRow = { seq: string; audit_id: string; link_micros: string; row_hash: Buffer } & {
  [K in keyof AuditRowText]: AuditRowText[K] | null;
};

interface CheckpointRow {
  seq: string;
  head_hash: Buffer;
  signed_at: Date;
  key_version: number;
  signature: Buffer;
}

/**
 * Signed chain heads, anchored outside the database (docs/adr/0027-audit-checkpoints.md).
 * The sealer hands every head it reaches to `anchor`: signed with the active
 * `audit-checkpoint.vN.pem` (Ed25519), appended to the checkpoint file (fsync'd) first, then
 * kept in `audit_head_checkpoints` for the API. A superuser who rewrites rows and relinks the
 * chain cannot rewrite the file's signed heads without the key. Retention runs are signed
 * the same way (`retention`), so the verifier can tell a retired row from a deleted one.
 */
@Injectable()
export class AuditCheckpoints implements AuditHeadAnchor {
  private readonly logger = new Logger(AuditCheckpoints.name);

  constructor(
    private readonly keys: CheckpointKeys,
    private readonly unitOfWork: UnitOfWork,
    @Inject(AUDIT_CHECKPOINT_OPTIONS) private readonly options: AuditCheckpointOptions,
  ) {}

  async anchor(head: ChainHead): Promise<SignedCheckpoint> {
    const unsigned = { seq: head.seq, headHash: head.hash, at: new Date().toISOString(), keyVersion: this.keys.activeVersion };
    const { signature } = this.keys.sign(checkpointPayload(unsigned));
    const checkpoint: SignedCheckpoint = { ...unsigned, signature: signature.toString('base64url') };
    // Outside the database first: a checkpoint in the table but not in the file anchors nothing.
    appendDurably(this.options.directory, checkpointFile(checkpoint.at), `${checkpointLine(checkpoint)}\n`);
    await this.unitOfWork.run(
      () =>
        sqlRows(
          this.unitOfWork.manager,
          `INSERT INTO audit_head_checkpoints (seq, head_hash, signed_at, key_version, signature)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING`,
          [head.seq, Buffer.from(head.hash, 'hex'), checkpoint.at, checkpoint.keyVersion, signature],
        ),
      { principal: CHECKPOINTER },
    );
    this.logger.log(`audit checkpoint ${head.seq} ${head.hash} signed (key v${checkpoint.keyVersion})`);
    return checkpoint;
  }

  /** Newest first, keyset by sequence. */
  async page(options: { beforeSeq?: number; limit: number }): Promise<SignedCheckpoint[]> {
    const rows = await this.unitOfWork.run(
      () =>
        sqlRows<CheckpointRow>(
          this.unitOfWork.manager,
          `SELECT seq, head_hash, signed_at, key_version, signature FROM audit_head_checkpoints
            WHERE ($1::bigint IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2`,
          [options.beforeSeq ?? null, options.limit],
        ),
      { principal: CHECKPOINTER },
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      headHash: row.head_hash.toString('hex'),
      at: row.signed_at.toISOString(),
      keyVersion: row.key_version,
      signature: row.signature.toString('base64url'),
    }));
  }

  publicKeys(): { version: number; publicKey: string; active: boolean }[] {
    return this.keys.publicKeyPems().map((key) => ({ ...key, active: key.version === this.keys.activeVersion }));
  }

  /**
   * Signs and exports where a retention run ended (a `kind: "retention"` line in the day's
   * file), called before the drop commits: a failed export rolls the drop back.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- the anchor's contract is asynchronous; the export is a synchronous fsync'd append
  async retention(boundary: RetentionBoundary): Promise<SignedRetention> {
    const unsigned = {
      throughSeq: boundary.throughSeq,
      headHash: boundary.headHash,
      retiredBefore: boundary.retiredBefore,
      rowsRetired: boundary.rowsRetired,
      at: new Date().toISOString(),
      keyVersion: this.keys.activeVersion,
    };
    const { signature } = this.keys.sign(retentionPayload(unsigned));
    const line: SignedRetention = { kind: 'retention', ...unsigned, signature: signature.toString('base64url') };
    appendDurably(this.options.directory, checkpointFile(line.at), `${checkpointLine(line)}\n`);
    this.logger.log(
      `audit retention through seq ${line.throughSeq} (before ${line.retiredBefore}) ${line.headHash} signed (key v${line.keyVersion})`,
    );
    return line;
  }

  /**
   * The signed lines of every `*.jsonl` file in `directory` against the chain recomputed from
   * the audit rows (npm run audit:verify -- --checkpoints). Only regular files are read (a
   * symlink, FIFO or directory named `*.jsonl` is refused, naming it); other entries are
   * reported as skipped. Links are read `batch` at a time (keyset by sequence).
   */
  async verifyDirectory(directory: string, batch = VERIFY_BATCH): Promise<CheckpointVerdict> {
    const entries: { checkpoint: SignedLine | string; where: string }[] = [];
    const names = readdirSync(directory).sort();
    const skipped = names.filter((name) => !name.endsWith('.jsonl'));
    for (const name of names.filter((file) => file.endsWith('.jsonl'))) {
      const text = readRegularFile(join(directory, name));
      if (text === null) {
        return {
          intact: false,
          checked: 0,
          matched: 0,
          firstBreak: { seq: null, where: name, problem: 'not a regular file (a symlink, FIFO, directory or device): refused' },
          skipped,
        };
      }
      text.split('\n').forEach((line, index) => {
        if (line.trim() !== '') entries.push({ checkpoint: parseCheckpointLine(line), where: `${name}:${index + 1}` });
      });
    }
    const verdict = await verifyCheckpoints(entries, this.keys.publicKeys(), this.chainSource(), batch);
    return { ...verdict, skipped };
  }

  /**
   * The chain as data, read as the system in short keyset batches: built-in casts only,
   * tables named with their schema and `search_path` pinned to the catalog, so no function
   * or relation a superuser creates is called instead.
   */
  private chainSource(): ChainSource {
    const read = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> =>
      this.unitOfWork.run(
        async () => {
          await sqlRows(this.unitOfWork.manager, `SELECT set_config('search_path', 'pg_catalog, pg_temp', true)`);
          return sqlRows<T>(this.unitOfWork.manager, sql, parameters);
        },
        { principal: CHECKPOINTER, longRunning: true },
      );
    return {
      links: async (afterSeq, limit) =>
        (
          await read<LinkRow>(
            `SELECT c.seq::text AS seq, c.audit_id::text AS audit_id,
                    (extract(epoch FROM c.occurred_at) * 1000000)::bigint::text AS link_micros, c.row_hash,
                    ${AUDIT_ROW_TEXT_COLUMNS}
               FROM public.audit_chain c
               LEFT JOIN public.audit_log a ON a.id = c.audit_id AND a.occurred_at = c.occurred_at
              WHERE c.seq > $1::bigint
              ORDER BY c.seq
              LIMIT $2::integer`,
            [afterSeq, limit],
          )
        ).map(toChainLink),
      retentionRecords: async () =>
        (
          await read<{ id: string; through_seq: string | null; chain_hash: Buffer | null }>(
            `SELECT k.id::text AS id, k.through_seq::text AS through_seq, k.chain_hash
               FROM public.audit_checkpoints k WHERE k.kind = 'retention' ORDER BY k.id`,
          )
        ).map((row) => ({
          id: row.id,
          throughSeq: row.through_seq === null ? null : Number(row.through_seq),
          headHash: row.chain_hash === null ? null : row.chain_hash.toString('hex'),
        })),
      newestRecordedCheckpoint: async () => {
        const [row] = await read<{ seq: string; signed_at: Date }>(
          // Ordered by the column, not by its text (`ORDER BY seq` would sort the text alias: '6' after '25').
          'SELECT h.seq::text AS seq, h.signed_at FROM public.audit_head_checkpoints h ORDER BY h.seq DESC LIMIT 1',
        );
        return row === undefined ? null : { seq: Number(row.seq), at: row.signed_at.toISOString() };
      },
    };
  }
}

function toChainLink(row: LinkRow): ChainLink {
  const { seq, audit_id, link_micros, row_hash, ...columns } = row;
  return {
    seq: Number(seq),
    auditId: audit_id,
    occurredMicros: BigInt(link_micros),
    storedRowHash: row_hash,
    row: columns.id === null ? null : (columns as AuditRowText),
  };
}

/**
 * The content of `path` if it is a regular file, else null: opened without following a
 * symlink and without blocking (a FIFO would hang a read), then checked on the open file.
 */
function readRegularFile(path: string): string | null {
  if (!lstatSync(path).isFile()) return null;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    // Swapped for a symlink since the lstat: refused the same way.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Appends `text` to `directory/name` (created 0700 / 0600), fsync'd before returning (the directory too when the file is new). */
function appendDurably(directory: string, name: string, text: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, name);
  const created = !existsSync(path);
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!created) return;
  const dir = openSync(directory, constants.O_RDONLY);
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
