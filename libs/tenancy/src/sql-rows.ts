import type { EntityManager } from 'typeorm';

/** What runs a statement: a unit of work's manager, or the reader readOutsideUnitOfWork hands out. */
export type SqlReader = Pick<EntityManager, 'query'>;

/**
 * The rows a statement returned. TypeORM's `query()` answers UPDATE and DELETE with
 * `[rows, rowCount]` instead of the rows, so `UPDATE … RETURNING` read naively always
 * looks like two rows. Every raw statement whose result is read goes through here.
 */
export async function sqlRows<T>(manager: SqlReader, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const raw: unknown = await manager.query(sql, parameters);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') return raw[0] as T[];
  return raw as T[];
}

/** How many rows a statement returned (`… RETURNING 1` counts what it touched). */
export async function sqlCount(manager: SqlReader, sql: string, parameters: unknown[] = []): Promise<number> {
  return (await sqlRows(manager, sql, parameters)).length;
}

/**
 * A hot statement as a node-postgres named statement: each connection parses and plans it
 * once and afterwards only binds and runs it (docs/adr/0018-audited-mutation-speed.md).
 * Pass it where the SQL goes (`manager.query(prepared(…), parameters)`, `sqlRows`); the
 * name must be unique to the text. TypeORM hands the query to pg untouched, and pg copies
 * it before adding the call's values.
 */
export function prepared(name: string, text: string): string {
  return { name, text } as unknown as string;
}
