import { ValidateBy, ValidationOptions } from 'class-validator';

// RFC 3339: a date, or a date and time with an offset; not ISO 8601's other forms
// (week dates, ordinal dates, basic format, decimal commas), which validators accept and
// JavaScript's Date does not parse.
const RFC_3339 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An instant as RFC 3339 text that JavaScript and PostgreSQL read the same way. */
export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && RFC_3339.test(value) && Number.isFinite(Date.parse(value));
}

export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an RFC 3339 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`,
      },
    },
    options,
  );
}
