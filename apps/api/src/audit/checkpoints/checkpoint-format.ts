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

/** The exported line (no newline). */
export function checkpointLine(checkpoint: SignedCheckpoint): string {
  const { seq, headHash, at, keyVersion, signature } = checkpoint;
  return JSON.stringify({ seq, headHash, at, keyVersion, signature });
}

/** A line parsed, or why not. */
export function parseCheckpointLine(line: string): SignedCheckpoint | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const record = value as Record<string, unknown>;
  if (typeof record !== 'object' || record === null) return 'not an object';
  const { seq, headHash, at, keyVersion, signature } = record;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) return 'seq is not a positive integer';
  if (typeof headHash !== 'string' || !/^[0-9a-f]{64}$/.test(headHash)) return 'headHash is not 64 hex digits';
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return 'at is not a time';
  if (!Number.isSafeInteger(keyVersion) || (keyVersion as number) < 1) return 'keyVersion is not a positive integer';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return 'signature is not 64 bytes of base64url';
  return { seq: seq as number, headHash, at, keyVersion: keyVersion as number, signature };
}

/** Whether the checkpoint's signature verifies under the public key of its version (a version not given: refused). */
export function checkpointSignatureValid(checkpoint: SignedCheckpoint, publicKeys: ReadonlyMap<number, KeyObject>): boolean {
  const key = publicKeys.get(checkpoint.keyVersion);
  return key !== undefined && verifyEd25519(key, checkpointPayload(checkpoint), Buffer.from(checkpoint.signature, 'base64url'));
}

export interface CheckpointVerdict {
  readonly intact: boolean;
  /** Checkpoints read, and those whose head matched the chain. */
  readonly checked: number;
  readonly matched: number;
  /** The first problem, by file order then sequence: what an operator looks at first. */
  readonly firstBreak: { readonly seq: number | null; readonly where: string; readonly problem: string } | null;
}

/**
 * Checks `checkpoints` (with where each came from) against the chain: each signature
 * verifies under its version's public key, and the chain hash at its sequence equals its
 * head. `chainHashes` answers the chain's hex hash for each sequence asked (absent: no such link).
 * Checked in sequence order, so the first break named is the earliest sequence that disagrees.
 */
export async function verifyCheckpoints(
  checkpoints: readonly { checkpoint: SignedCheckpoint | string; where: string }[],
  publicKeys: ReadonlyMap<number, KeyObject>,
  chainHashes: (seqs: number[]) => Promise<ReadonlyMap<number, string>>,
): Promise<CheckpointVerdict> {
  const malformed = checkpoints.find((entry) => typeof entry.checkpoint === 'string');
  if (malformed) {
    return {
      intact: false,
      checked: 0,
      matched: 0,
      firstBreak: { seq: null, where: malformed.where, problem: `malformed checkpoint (${malformed.checkpoint as string})` },
    };
  }
  const parsed = checkpoints
    .map((entry) => ({ checkpoint: entry.checkpoint as SignedCheckpoint, where: entry.where }))
    .sort((a, b) => a.checkpoint.seq - b.checkpoint.seq);
  const forged = parsed.find((entry) => !checkpointSignatureValid(entry.checkpoint, publicKeys));
  if (forged) {
    const known = publicKeys.has(forged.checkpoint.keyVersion);
    return {
      intact: false,
      checked: parsed.length,
      matched: 0,
      firstBreak: {
        seq: forged.checkpoint.seq,
        where: forged.where,
        problem: known
          ? `checkpoint signature does not verify under key version ${forged.checkpoint.keyVersion}: refused (forged or altered)`
          : `checkpoint signed by unknown key version ${forged.checkpoint.keyVersion}: refused`,
      },
    };
  }
  const hashes = await chainHashes([...new Set(parsed.map((entry) => entry.checkpoint.seq))]);
  let matched = 0;
  for (const { checkpoint, where } of parsed) {
    const actual = hashes.get(checkpoint.seq);
    if (actual === undefined) {
      return {
        intact: false,
        checked: parsed.length,
        matched,
        firstBreak: { seq: checkpoint.seq, where, problem: 'the chain has no link at the checkpoint (truncated or rolled back)' },
      };
    }
    if (actual !== checkpoint.headHash) {
      return {
        intact: false,
        checked: parsed.length,
        matched,
        firstBreak: {
          seq: checkpoint.seq,
          where,
          problem: 'the chain hash differs from the signed checkpoint (rows rewritten and relinked at or before it)',
        },
      };
    }
    matched += 1;
  }
  return { intact: true, checked: parsed.length, matched, firstBreak: null };
}
