/** One key of an audit row's before/after: its JSON on each side (absent: undefined) and how it changed. */
export interface DiffEntry {
  /** The top-level key; null when before or after is not an object (the whole value is one entry). */
  readonly key: string | null;
  readonly change: 'same' | 'changed' | 'added' | 'removed';
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/**
 * What an audit row's `before` and `after` say changed, key by key (the services record the
 * fields they touched as flat objects). Values stay JSON: the console shows them as text.
 * Keys are in the order they were recorded, `before`'s first.
 */
export function auditDiff(before: unknown, after: unknown): DiffEntry[] {
  if (before === null && after === null) return [];
  if ((before === null || isRecord(before)) && (after === null || isRecord(after))) {
    const old = before ?? {};
    const now = after ?? {};
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])];
    return keys.map((key): DiffEntry => {
      const inBefore = Object.hasOwn(old, key);
      const inAfter = Object.hasOwn(now, key);
      const entry = { key, before: inBefore ? json(old[key]) : undefined, after: inAfter ? json(now[key]) : undefined };
      if (!inBefore) return { ...entry, change: 'added' };
      if (!inAfter) return { ...entry, change: 'removed' };
      return { ...entry, change: canonical(old[key]) === canonical(now[key]) ? 'same' : 'changed' };
    });
  }
  const change: DiffEntry['change'] =
    before === null ? 'added' : after === null ? 'removed' : canonical(before) === canonical(after) ? 'same' : 'changed';
  return [{ key: null, change, before: before === null ? undefined : json(before), after: after === null ? undefined : json(after) }];
}

/** The keys that differ, by kind, for a sentence a screen reader reads as well as the highlight. */
export function diffSummary(entries: DiffEntry[]): string {
  const named = (change: DiffEntry['change']) => entries.filter((entry) => entry.change === change).map((entry) => entry.key ?? 'value');
  const parts = [
    ['Changed', named('changed')],
    ['Added', named('added')],
    ['Removed', named('removed')],
  ] as const;
  const said = parts.filter(([, keys]) => keys.length > 0).map(([label, keys]) => `${label}: ${keys.join(', ')}.`);
  return said.length > 0 ? said.join(' ') : 'Nothing changed.';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

/** JSON with object keys sorted: two values are the same whatever order their keys were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isRecord(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((key) => [key, inner[key]]),
        )
      : inner,
  );
}
