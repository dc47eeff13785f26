import { RequestProblems } from '@ringfence/problems';

/** A list's page: its items and the cursor of the next one (null: this is the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What one element of a position may be: a timestamp as PostgreSQL writes it, a UUID, or a bounded text. */
export type PositionPart = 'timestamp' | 'uuid' | 'text';

const PART: Readonly<Record<PositionPart, (text: string) => boolean>> = {
  timestamp: isTimestampText,
  uuid: (text) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text),
  // No NUL (PostgreSQL's text refuses it: a 500) and no unpaired surrogate, as for any other input text.
  text: (text) => text.length <= 300 && isPlainText(text),
};

/**
 * `timestamptz::text` as this API wrote it (microseconds kept), with fields PostgreSQL takes:
 * a month 99 or an hour 25 matches a pattern and then fails the query (500), so every field is checked.
 */
export function isTimestampText(text: string): boolean {
  const match = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?[+-](\d\d)(?::(\d\d))?$/.exec(text);
  if (!match) return false;
  const field = (index: number): number => Number(match[index] ?? '0');
  const [year, month, day] = [field(1), field(2), field(3)];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    field(4) < 24 &&
    field(5) < 60 &&
    field(6) < 60 &&
    field(8) <= 15 &&
    field(9) < 60
  );
}

/** A keyset position (the last item's sort key), opaque to clients: base64url of its JSON. */
export function cursorOf(position: readonly string[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position a cursor names, checked against the list's shape before any SQL reads it (a
 * forged one is a 400, never a cast error); undefined: the first page.
 */
export function positionOf(cursor: string | undefined, shape: readonly PositionPart[]): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((part, index) => typeof part === 'string' && PART[shape[index]!](part))
    ) {
      return value as string[];
    }
  } catch {
    // Refused below, as any other unreadable cursor.
  }
  throw RequestProblems.VALIDATION_FAILED({ errors: [{ field: 'cursor', messages: ['cursor is not one this API gave'] }] });
}

/**
 * The page from rows read with `LIMIT limit + 1`: the first `limit` as items, and a cursor
 * at the last of them when there was one more.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  view: (row: Row) => Item,
  position: (row: Row) => string[],
): Page<Item> {
  const page = rows.slice(0, limit);
  return { items: page.map(view), nextCursor: rows.length > limit ? cursorOf(position(page[page.length - 1]!)) : null };
}

/** The default and the largest page (PageQuery's). */
export const DEFAULT_PAGE_SIZE = 50;

/** Text PostgreSQL takes as it is: well-formed UTF-16 (no lone surrogate) and no NUL. */
function isPlainText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\0');
}
