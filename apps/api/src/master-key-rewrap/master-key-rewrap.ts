import { Injectable } from '@nestjs/common';
import { AesGcmCipher, DecryptionError, Keyring, SealedColumn, sealedColumns } from '@ringfence/crypto';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

// The database knows this actor: `app_key_rewrap()` (migration 0007) lets it alone read and
// replace the vault's ciphertexts on the platform path.
const REWRAPPER: Principal = { kind: 'system', process: 'keys-rewrap' };

export interface RewrapBatch {
  readonly moved: number;
  /** The ids of the values that did not decrypt, left as they were. */
  readonly unreadable: readonly string[];
  readonly last: string | null;
}

export interface VersionCount {
  readonly column: string;
  readonly version: number;
  readonly count: number;
}

/**
 * Moves every sealed column (`declareSealedColumn`) to the active master key version:
 * online, in small batches (one transaction each, rows locked with SKIP LOCKED so live
 * writes go on), resumable (a rewrapped value names the active version and is not
 * selected again), and each value written back only over the exact ciphertext it read.
 */
@Injectable()
export class MasterKeyRewrap {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly cipher: AesGcmCipher,
    private readonly keyring: Keyring,
  ) {}

  get activeVersion(): number {
    return this.keyring.activeVersion;
  }

  /** How many values each column holds under each key version. */
  counts(): Promise<VersionCount[]> {
    return this.asRewrapper(async () => {
      const counts: VersionCount[] = [];
      for (const sealed of sealedColumns()) {
        const rows = await sqlRows<{ version: number; count: string }>(
          this.unitOfWork.manager,
          `SELECT ${AesGcmCipher.keyVersionSql(sealed.column)} AS version, count(*) AS count FROM ${sealed.table}
            WHERE ${sealed.column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
        );
        for (const row of rows) counts.push({ column: `${sealed.table}.${sealed.column}`, version: row.version, count: Number(row.count) });
      }
      return counts;
    });
  }

  /**
   * One batch of one column: up to `size` values not yet under the active version, in id
   * order after `after` (a pass's cursor); each written back only over the ciphertext read,
   * all in one statement. A value that does not decrypt (altered, moved, or under a key not
   * loaded) is left as it is and named in `unreadable`: it keeps its version in the
   * counts, so that version cannot be retired. `last` is the batch's last id, null once
   * the column has no more.
   */
  rewrapBatch(sealed: SealedColumn, size: number, after: string | null = null): Promise<RewrapBatch> {
    const bound = sealed.bindColumns ?? [];
    return this.asRewrapper(async () => {
      const rows = await sqlRows<{ id: string; value: Buffer } & Record<string, string>>(
        this.unitOfWork.manager,
        `SELECT ${sealed.idColumn}::text AS id, ${sealed.column} AS value${bound.map((column) => `, ${column}::text AS ${column}`).join('')}
           FROM ${sealed.table}
          WHERE ${sealed.column} IS NOT NULL AND ${AesGcmCipher.keyVersionSql(sealed.column)} <> $1 AND ($3::uuid IS NULL OR ${sealed.idColumn} > $3::uuid)
          ORDER BY ${sealed.idColumn} LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.keyring.activeVersion, size, after],
      );
      if (rows.length === 0) return { moved: 0, unreadable: [], last: null };
      const readable: { id: string; value: Buffer }[] = [];
      const unreadable: string[] = [];
      const rewrapped: Buffer[] = [];
      for (const row of rows) {
        const aad = sealed.aad({ ...Object.fromEntries(bound.map((column) => [column, row[column]!])), id: row.id });
        let plaintext: Buffer;
        try {
          plaintext = this.cipher.decrypt(row.value, aad);
        } catch (error) {
          if (!(error instanceof DecryptionError)) throw error;
          unreadable.push(row.id);
          continue;
        }
        rewrapped.push(this.cipher.encrypt(plaintext, aad));
        plaintext.fill(0);
        readable.push(row);
      }
      const updated = await sqlRows<{ id: string }>(
        this.unitOfWork.manager,
        `UPDATE ${sealed.table} AS t SET ${sealed.column} = u.rewrapped
           FROM unnest($1::uuid[], $2::bytea[], $3::bytea[]) AS u(id, read, rewrapped)
          WHERE t.${sealed.idColumn} = u.id AND t.${sealed.column} = u.read
          RETURNING t.${sealed.idColumn}`,
        [readable.map((row) => row.id), readable.map((row) => row.value), rewrapped],
      );
      return { moved: updated.length, unreadable, last: rows[rows.length - 1]!.id };
    });
  }

  /**
   * Every column to the active version, pass after pass in id order, until a pass moves
   * nothing (a row another transaction held locked is skipped, then met by the next pass);
   * `onBatch` hears progress and how many values did not decrypt (each reported once).
   */
  async rewrapAll(size: number, onBatch: (column: string, moved: number, unreadable: number) => void = () => undefined): Promise<number> {
    let total = 0;
    for (const sealed of sealedColumns()) {
      // A later pass meets the unreadable values again: each is reported once.
      const reported = new Set<string>();
      for (let movedInPass = -1; movedInPass !== 0;) {
        movedInPass = 0;
        for (let after: string | null = null; ;) {
          const batch = await this.rewrapBatch(sealed, size, after);
          if (batch.last === null) break;
          after = batch.last;
          movedInPass += batch.moved;
          const unreadable = batch.unreadable.filter((id) => !reported.has(id));
          for (const id of unreadable) reported.add(id);
          if (batch.moved > 0 || unreadable.length > 0) onBatch(`${sealed.table}.${sealed.column}`, batch.moved, unreadable.length);
        }
        total += movedInPass;
      }
    }
    return total;
  }

  /** Batches of up to 2,000 values and counts over whole tables: the long-running allowance. */
  private asRewrapper<T>(work: () => Promise<T>): Promise<T> {
    return this.unitOfWork.run(work, { principal: REWRAPPER, longRunning: true });
  }
}
