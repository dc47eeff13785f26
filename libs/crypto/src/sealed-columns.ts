/**
 * Every database column holding AES-GCM ciphertexts under the keyring, declared by the
 * code that owns it (next to its service), with the AAD that binds each value to its
 * place. The rewrap command walks this list; a sealed column not declared here would keep
 * an old key version alive, so each owner's tests rely on it.
 */
export interface SealedColumn {
  readonly table: string;
  readonly column: string;
  /** The row's uuid primary key. */
  readonly idColumn: string;
  /** Further columns the AAD binds besides the id (the workspace, the environment), read as text. */
  readonly bindColumns?: readonly string[];
  /** The AAD the value was sealed with, from the row's id and bound columns. */
  readonly aad: (row: SealedRowPlace) => string;
}

/** Where a sealed value sits: its row id and the bound columns' values (as text). */
export interface SealedRowPlace {
  readonly id: string;
  readonly [column: string]: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const declared = new Map<string, SealedColumn>();

export function declareSealedColumn(column: SealedColumn): void {
  for (const name of [column.table, column.column, column.idColumn, ...(column.bindColumns ?? [])]) {
    if (!IDENTIFIER.test(name)) throw new Error(`sealed column: "${name}" is not a plain SQL identifier`);
  }
  // The rewrap reads the row as `id`, `value` and the bound columns by name.
  for (const reserved of ['id', 'value']) {
    if (column.bindColumns?.includes(reserved)) throw new Error(`sealed column: "${reserved}" cannot be a bound column`);
  }
  declared.set(`${column.table}.${column.column}`, column);
}

export function sealedColumns(): readonly SealedColumn[] {
  return [...declared.values()].sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}
