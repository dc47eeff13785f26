import { ValidateBy, ValidationOptions } from 'class-validator';

// RFC 3339: a date, or a date and time with an offset; not ISO 8601's other forms
// (week dates, ordinal dates, basic format, decimal commas), which validators accept and
// JavaScript's Date does not parse.
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * An instant as RFC 3339 text that JavaScript and PostgreSQL read the same way: the date
 * must exist (JavaScript moves 2026-02-30 to 2 March without a word) and the time be on
 * the clock (no hour 24, no leap second, offsets within ±23:59).
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = RFC_3339.exec(value);
  if (!parts || !Number.isFinite(Date.parse(value))) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = parts
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const calendar = new Date(0);
  calendar.setUTCFullYear(year!, month! - 1, day); // (Date.UTC reads years below 100 as 19xx)
  const dateExists = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month! - 1 && calendar.getUTCDate() === day;
  return dateExists && hour < 24 && minute < 60 && second < 60 && offsetHour < 24 && offsetMinute < 60;
}

export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an RFC 3339 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`,
      },
    },
    options,
  );
}
