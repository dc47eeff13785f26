/**
 * Secret-bearing fields, declared by the code that owns each audited resource (next to
 * its service), and redacted from every `before`/`after` about that resource at any
 * depth, whoever records it. Declared, not guessed: a field is secret because its owner
 * says so, and the test of each owner checks its rows.
 */
const declared = new Map<string, ReadonlySet<string>>();

export const REDACTED = '[redacted]';

export function declareAuditRedactions(targetType: string, fields: readonly string[]): void {
  declared.set(targetType, new Set([...(declared.get(targetType) ?? []), ...fields]));
}

export function redactedFieldsOf(targetType: string): ReadonlySet<string> {
  return declared.get(targetType) ?? new Set();
}

/** Every field any owner declared secret, whatever its resource: what no stored, replayed answer may carry (docs/adr/0020). */
export function declaredSecretFields(): ReadonlySet<string> {
  return new Set([...declared.values()].flatMap((fields) => [...fields]));
}

/** Longest string kept in a before/after value, the user agent and the reason: client text is data, and bounded. */
export const AUDIT_STRING_MAX = 2048;
export const AUDIT_USER_AGENT_MAX = 512;

/** A copy of `value` with `fields` redacted at any depth and every string bounded. */
export function sanitizeAuditValue(value: unknown, fields: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return boundText(value, AUDIT_STRING_MAX);
  if (Array.isArray(value)) return value.map((item) => sanitizeAuditValue(item, fields));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, inner]) => [
      name,
      fields.has(name) ? REDACTED : sanitizeAuditValue(inner, fields),
    ]),
  );
}

export function boundText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters]`;
}
