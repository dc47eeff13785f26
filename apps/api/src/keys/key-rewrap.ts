import { Injectable } from '@nestjs/common';
import { AesGcmCipher, Keyring, SealedColumn, sealedColumns } from '@ringfence/crypto';
import { Principal, sqlRows, UnitOfWork } from '@ringfence/tenancy';

const REWRAPPER: Principal = { kind: 'system', process: 'keys-rewrap' };

/** The key version in a sealed value's header (format byte, then a big-endian uint32). */
const VERSION_SQL = (column: string) =>
  `(get_byte(${column}, 1) * 16777216 + get_byte(${column}, 2) * 65536 + get_byte(${column}, 3) * 256 + get_byte(${column}, 4))`;

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
export class KeyRewrap {
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
          `SELECT ${VERSION_SQL(sealed.column)} AS version, count(*) AS count FROM ${sealed.table}
            WHERE ${sealed.column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
        );
        for (const row of rows) counts.push({ column: `${sealed.table}.${sealed.column}`, version: row.version, count: Number(row.count) });
      }
      return counts;
    });
  }

  /** One batch of one column: up to `size` values not yet under the active version; returns how many moved. */
  rewrapBatch(sealed: SealedColumn, size: number): Promise<number> {
    return this.asRewrapper(async () => {
      const rows = await sqlRows<{ id: string; value: Buffer }>(
        this.unitOfWork.manager,
        `SELECT ${sealed.idColumn}::text AS id, ${sealed.column} AS value FROM ${sealed.table}
          WHERE ${sealed.column} IS NOT NULL AND ${VERSION_SQL(sealed.column)} <> $1
          ORDER BY ${sealed.idColumn} LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.keyring.activeVersion, size],
      );
      let moved = 0;
      for (const row of rows) {
        const aad = sealed.aad(row.id);
        const rewrapped = this.cipher.encrypt(this.cipher.decrypt(row.value, aad), aad);
        const [updated] = await sqlRows<{ id: string }>(
          this.unitOfWork.manager,
          `UPDATE ${sealed.table} SET ${sealed.column} = $2 WHERE ${sealed.idColumn}::text = $1 AND ${sealed.column} = $3 RETURNING ${sealed.idColumn}`,
          [row.id, rewrapped, row.value],
        );
        if (updated) moved += 1;
      }
      return moved;
    });
  }

  /** Every column to the active version, batch by batch; `onBatch` hears progress. */
  async rewrapAll(size: number, onBatch: (column: string, moved: number) => void = () => undefined): Promise<number> {
    let total = 0;
    for (const sealed of sealedColumns()) {
      for (;;) {
        const moved = await this.rewrapBatch(sealed, size);
        if (moved === 0) break;
        total += moved;
        onBatch(`${sealed.table}.${sealed.column}`, moved);
      }
    }
    return total;
  }

  private asRewrapper<T>(work: () => Promise<T>): Promise<T> {
    return this.unitOfWork.run(work, { principal: REWRAPPER });
  }
}
