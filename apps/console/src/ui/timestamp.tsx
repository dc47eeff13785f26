const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An instant from the API (ISO 8601), in the admin's locale and time zone; the exact value stays machine-readable. */
export function Timestamp({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">never</span>;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return <span>{value}</span>;
  return <time dateTime={at.toISOString()}>{FORMAT.format(at)}</time>;
}
