const INSTANT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An instant on the admin's own clock, to the second (the exact RFC 3339 text is kept in a <time>'s dateTime). */
export function formatInstant(instant: string): string {
  const at = new Date(instant);
  return Number.isNaN(at.getTime()) ? instant : INSTANT.format(at);
}

/** The admin's time zone, as the browser names it (what the time filters are read in). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
