import { auditRowHash, type AuditRowText, CHAIN_GENESIS, chainStep } from '@ringfence/audit';
import type { KeyObject } from 'node:crypto';
import { verifyEd25519 } from './checkpoint-keys';

/** One signed chain head, as exported (one JSON line) and listed. */
export interface SignedCheckpoint {
  /** The chain sequence number of the head. */
  readonly seq: number;
  /** Hex SHA-256 chain hash at `seq`. */
  readonly headHash: string;
  /** When it was signed, ISO 8601. */
  readonly at: string;
  readonly keyVersion: number;
  /** Ed25519 over checkpointPayload(…), base64url. */
  readonly signature: string;
}

/**
 * The bytes signed: a JSON array with a domain tag, so a signature over anything else
 * (another product's, another version of this format) never passes as a checkpoint.
 */
export function checkpointPayload(checkpoint: Omit<SignedCheckpoint, 'signature'>): Buffer {
  return Buffer.from(
    JSON.stringify(['ringfence.audit-checkpoint.v1', checkpoint.seq, checkpoint.headHash, checkpoint.at, checkpoint.keyVersion]),
    'utf8',
  );
}

/**
 * Where a retention run ended, signed and exported when the months were dropped: the rows of
 * links at or below `throughSeq` that lie before `retiredBefore` may be missing, and the chain
 * at `throughSeq` was `headHash`. One JSON line in the same day files as the checkpoints,
 * told apart by `kind`.
 */
export interface SignedRetention {
  readonly kind: 'retention';
  readonly throughSeq: number;
  /** Hex SHA-256 chain hash at `throughSeq`. */
  readonly headHash: string;
  /** ISO 8601: the upper bound of the newest month dropped. */
  readonly retiredBefore: string;
  /** How many rows this run retired: the verifier forgives exactly the sum over the signed lines, not one more. */
  readonly rowsRetired: number;
  readonly at: string;
  readonly keyVersion: number;
  /** Ed25519 over retentionPayload(…), base64url. */
  readonly signature: string;
}

/** A line of a checkpoint file: a signed chain head (no `kind`, the format since ADR 0027) or a signed retention boundary. */
export type SignedLine = SignedCheckpoint | SignedRetention;

/** The bytes signed for a retention line: its own domain tag, so a checkpoint's signature never passes for one, nor one for a checkpoint. */
export function retentionPayload(retention: Omit<SignedRetention, 'signature' | 'kind'>): Buffer {
  return Buffer.from(
    JSON.stringify([
      'ringfence.audit-retention.v1',
      retention.throughSeq,
      retention.headHash,
      retention.retiredBefore,
      retention.rowsRetired,
      retention.at,
      retention.keyVersion,
    ]),
    'utf8',
  );
}

export function isRetention(line: SignedLine): line is SignedRetention {
  return 'kind' in line && line.kind === 'retention';
}

/** The sequence a line speaks of: a checkpoint's head, a retention line's last retired link. */
export function lineSeq(line: SignedLine): number {
  return isRetention(line) ? line.throughSeq : line.seq;
}

/** The exported line (no newline). */
export function checkpointLine(line: SignedLine): string {
  if (isRetention(line)) {
    const { kind, throughSeq, headHash, retiredBefore, rowsRetired, at, keyVersion, signature } = line;
    return JSON.stringify({ kind, throughSeq, headHash, retiredBefore, rowsRetired, at, keyVersion, signature });
  }
  const { seq, headHash, at, keyVersion, signature } = line;
  return JSON.stringify({ seq, headHash, at, keyVersion, signature });
}

/** A line parsed, or why not. */
export function parseCheckpointLine(line: string): SignedLine | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const record = value as Record<string, unknown>;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not an object';
  const { kind, headHash, at, keyVersion, signature } = record;
  if (kind !== undefined && kind !== 'retention') return 'kind is neither absent (a checkpoint) nor "retention"';
  const seq = kind === 'retention' ? record.throughSeq : record.seq;
  const seqName = kind === 'retention' ? 'throughSeq' : 'seq';
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) return `${seqName} is not a positive integer`;
  if (typeof headHash !== 'string' || !/^[0-9a-f]{64}$/.test(headHash)) return 'headHash is not 64 hex digits';
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return 'at is not a time';
  if (!Number.isSafeInteger(keyVersion) || (keyVersion as number) < 1) return 'keyVersion is not a positive integer';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return 'signature is not 64 bytes of base64url';
  if (kind !== 'retention') return { seq: seq as number, headHash, at, keyVersion: keyVersion as number, signature };
  const { retiredBefore, rowsRetired } = record;
  if (typeof retiredBefore !== 'string' || Number.isNaN(Date.parse(retiredBefore))) return 'retiredBefore is not a time';
  if (!Number.isSafeInteger(rowsRetired) || (rowsRetired as number) < 0) return 'rowsRetired is not a count';
  return {
    kind,
    throughSeq: seq as number,
    headHash,
    retiredBefore,
    rowsRetired: rowsRetired as number,
    at,
    keyVersion: keyVersion as number,
    signature,
  };
}

/** Whether the line's signature verifies under the public key of its version (a version not given: refused). */
export function checkpointSignatureValid(line: SignedLine, publicKeys: ReadonlyMap<number, KeyObject>): boolean {
  const key = publicKeys.get(line.keyVersion);
  const payload = isRetention(line) ? retentionPayload(line) : checkpointPayload(line);
  return key !== undefined && verifyEd25519(key, payload, Buffer.from(line.signature, 'base64url'));
}

export interface CheckpointBreak {
  readonly seq: number | null;
  /** The file line (`checkpoints-2026-11-30.jsonl:12`), the file, the audit row or the database record at fault. */
  readonly where: string;
  readonly problem: string;
}

export interface CheckpointVerdict {
  readonly intact: boolean;
  /** Signed lines read (checkpoints and retention lines), and those whose head matched the chain recomputed from the rows. */
  readonly checked: number;
  readonly matched: number;
  /** The first problem, by sequence: what an operator looks at first. */
  readonly firstBreak: CheckpointBreak | null;
  /** Entries of the directory that are not `*.jsonl` files: not read, and said so. */
  readonly skipped: readonly string[];
}

/** One link of the chain, with its row's columns as text (null: no such row, its month dropped or the row deleted). */
export interface ChainLink {
  readonly seq: number;
  readonly auditId: string;
  /** The link's own `occurred_at`, in microseconds since the epoch. */
  readonly occurredMicros: bigint;
  /** The row hash stored in the link: used only for a row legitimately retired (no row left to hash). */
  readonly storedRowHash: Buffer;
  readonly row: AuditRowText | null;
}

/** What the verifier reads from the database: data only, never a verdict of the database's own. */
export interface ChainSource {
  /** Links with `seq > afterSeq`, in sequence order, at most `limit` (keyset). */
  links(afterSeq: number, limit: number): Promise<readonly ChainLink[]>;
  /** The retention records of `audit_checkpoints` (each must have its signed retention line). */
  retentionRecords(): Promise<readonly { id: string; throughSeq: number | null; headHash: string | null }[]>;
  /** The newest checkpoint the app recorded as exported (`audit_head_checkpoints`), or null. */
  newestRecordedCheckpoint(): Promise<{ seq: number; at: string } | null>;
}

/** Links read per round trip. */
export const VERIFY_BATCH = 1_000;

const failed = (checked: number, matched: number, firstBreak: CheckpointBreak): CheckpointVerdict => ({
  intact: false,
  checked,
  matched,
  firstBreak,
  skipped: [],
});

/**
 * Checks the signed `lines` (with where each came from) against the chain recomputed here,
 * from the audit rows' columns read as text: each signature verifies under its version's
 * public key, and the chain hash recomputed from the first link on equals the signed head at
 * each line's sequence. Nothing the database computes is trusted (not `audit_verify`, not
 * `audit_row_hash`, not a stored `row_hash` or `chain_hash`), with one exception: a row that is
 * gone contributes its stored row hash, and only under a signed retention line (at or below
 * its `throughSeq`, before its `retiredBefore`), whose head then proves those stored hashes.
 * Also refused: no line at all, a retention record in the database without its signed line,
 * and a directory that lacks the newest checkpoint the app recorded as exported.
 */
export async function verifyCheckpoints(
  lines: readonly { checkpoint: SignedLine | string; where: string }[],
  publicKeys: ReadonlyMap<number, KeyObject>,
  source: ChainSource,
  batch = VERIFY_BATCH,
): Promise<CheckpointVerdict> {
  const malformed = lines.find((entry) => typeof entry.checkpoint === 'string');
  if (malformed)
    return failed(0, 0, { seq: null, where: malformed.where, problem: `malformed checkpoint (${malformed.checkpoint as string})` });
  const parsed = lines
    .map((entry) => ({ line: entry.checkpoint as SignedLine, where: entry.where }))
    .sort((a, b) => lineSeq(a.line) - lineSeq(b.line));
  if (parsed.length === 0) return failed(0, 0, { seq: null, where: 'the checkpoint directory', problem: 'no checkpoints to check' });
  const forged = parsed.find((entry) => !checkpointSignatureValid(entry.line, publicKeys));
  if (forged) {
    const { line } = forged;
    const what = isRetention(line) ? 'retention line' : 'checkpoint';
    return failed(parsed.length, 0, {
      seq: lineSeq(line),
      where: forged.where,
      problem: publicKeys.has(line.keyVersion)
        ? `${what} signature does not verify under key version ${line.keyVersion}: refused (forged or altered)`
        : `${what} signed by unknown key version ${line.keyVersion}: refused`,
    });
  }
  const retentions = parsed.map((entry) => entry.line).filter(isRetention);
  const unsigned = (await source.retentionRecords()).find(
    (record) =>
      record.throughSeq !== null && !retentions.some((line) => line.throughSeq === record.throughSeq && line.headHash === record.headHash),
  );
  if (unsigned) {
    return failed(parsed.length, 0, {
      seq: unsigned.throughSeq,
      where: `audit_checkpoints id ${unsigned.id}`,
      problem:
        'a retention record in the database has no signed retention line: refused (forged, or its line is missing from the directory)',
    });
  }
  const heads = parsed.filter((entry) => !isRetention(entry.line));
  const newestHead = heads.reduce((newest, entry) => Math.max(newest, lineSeq(entry.line)), 0);
  const recorded = await source.newestRecordedCheckpoint();
  if (recorded !== null && recorded.seq > newestHead) {
    return failed(parsed.length, 0, {
      seq: recorded.seq,
      where: 'the checkpoint directory',
      problem: `the directory lacks checkpoint seq ${recorded.seq} (signed ${recorded.at}), which was exported: incomplete (files deleted, or an older copy)`,
    });
  }
  return walk(parsed, retentions, source, batch);
}

/** The chain recomputed from the first link through the last signed sequence, compared at each signed line. */
async function walk(
  parsed: readonly { line: SignedLine; where: string }[],
  retentions: readonly SignedRetention[],
  source: ChainSource,
  batch: number,
): Promise<CheckpointVerdict> {
  const checked = parsed.length;
  const lastSeq = lineSeq(parsed[parsed.length - 1]!.line);
  const retiredUnder = retentions.map((line) => ({
    throughSeq: line.throughSeq,
    beforeMicros: BigInt(Date.parse(line.retiredBefore)) * 1000n,
  }));
  let next = 0; // the next signed line, in sequence order
  // Rows missing under the signed retention lines: never more than they retired together.
  const retiredRows = retentions.reduce((sum, line) => sum + line.rowsRetired, 0);
  let missing = 0;
  let previous = CHAIN_GENESIS;
  let expected = 1;
  let matched = 0;
  // The first row whose content no longer hashes as it was sealed (changed in place, its link left as it was).
  let changed: { seq: number; auditId: string } | null = null;
  while (expected <= lastSeq) {
    const links = await source.links(expected - 1, Math.min(batch, lastSeq - expected + 1));
    if (links.length === 0) return noLink(expected, parsed[next]!, checked, matched);
    for (const link of links) {
      if (link.seq !== expected) return noLink(expected, parsed[next]!, checked, matched);
      let rowHash: Buffer;
      if (link.row !== null) {
        rowHash = auditRowHash(link.row);
        if (changed === null && !rowHash.equals(link.storedRowHash)) changed = { seq: link.seq, auditId: link.auditId };
      } else {
        const covered = retiredUnder.some((retired) => link.seq <= retired.throughSeq && link.occurredMicros < retired.beforeMicros);
        if (!covered || missing >= retiredRows) {
          return failed(checked, matched, {
            seq: link.seq,
            where: `audit row ${link.auditId}`,
            problem: covered
              ? `the audit row of a sealed link is missing beyond the ${retiredRows} rows the signed retention lines retired (deleted)`
              : 'the audit row of a sealed link is missing and no signed retention line covers it (deleted)',
          });
        }
        missing += 1;
        rowHash = link.storedRowHash;
      }
      previous = chainStep(previous, rowHash);
      while (next < parsed.length && lineSeq(parsed[next]!.line) === link.seq) {
        const { line, where } = parsed[next]!;
        if (previous.toString('hex') !== line.headHash) {
          const cause =
            changed !== null
              ? `audit row ${changed.auditId} at seq ${changed.seq} no longer hashes as it was sealed: changed in place`
              : 'rows rewritten and relinked, deleted or replaced at or before it';
          return failed(checked, matched, {
            seq: link.seq,
            where,
            problem: isRetention(line)
              ? `the chain hash differs from the signed retention line (${cause})`
              : `the chain hash differs from the signed checkpoint (${cause})`,
          });
        }
        matched += 1;
        next += 1;
      }
      expected += 1;
    }
  }
  if (missing !== retiredRows) {
    // Fewer gone than retired: a line whose count the verifier cannot account for.
    return failed(checked, matched, {
      seq: null,
      where: 'the retention lines',
      problem: `the signed retention lines retired ${retiredRows} rows, but ${missing} are missing`,
    });
  }
  return { intact: true, checked, matched, firstBreak: null, skipped: [] };
}

function noLink(seq: number, target: { line: SignedLine; where: string }, checked: number, matched: number): CheckpointVerdict {
  return failed(checked, matched, {
    seq,
    where: target.where,
    problem: `the chain has no link at seq ${seq}, at or before the signed ${describe(target.line)} (truncated, rolled back or deleted)`,
  });
}

function describe(line: SignedLine): string {
  return isRetention(line) ? `retention line through seq ${line.throughSeq}` : `checkpoint at seq ${line.seq}`;
}
