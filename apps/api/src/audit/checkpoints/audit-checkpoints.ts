import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditHeadAnchor, ChainHead } from '@ringfence/audit';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointKeys } from './checkpoint-keys';
import {
  checkpointLine,
  checkpointPayload,
  CheckpointVerdict,
  parseCheckpointLine,
  SignedCheckpoint,
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
 * chain cannot rewrite the file's signed heads without the key.
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

  /** The chain in the database against every `*.jsonl` checkpoint file in `directory` (npm run audit:verify -- --checkpoints). */
  async verifyDirectory(directory: string): Promise<CheckpointVerdict> {
    const entries: { checkpoint: SignedCheckpoint | string; where: string }[] = [];
    for (const name of readdirSync(directory)
      .filter((file) => file.endsWith('.jsonl'))
      .sort()) {
      readFileSync(join(directory, name), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (line.trim() !== '') entries.push({ checkpoint: parseCheckpointLine(line), where: `${name}:${index + 1}` });
        });
    }
    return verifyCheckpoints(entries, this.keys.publicKeys(), (seqs) => this.chainHashes(seqs));
  }

  private async chainHashes(seqs: number[]): Promise<ReadonlyMap<number, string>> {
    const rows = await this.unitOfWork.run(
      () =>
        sqlRows<{ seq: string; chain_hash: Buffer }>(
          this.unitOfWork.manager,
          'SELECT seq, chain_hash FROM audit_chain WHERE seq = ANY($1::bigint[])',
          [seqs],
        ),
      { principal: CHECKPOINTER, longRunning: true },
    );
    return new Map(rows.map((row) => [Number(row.seq), row.chain_hash.toString('hex')]));
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
