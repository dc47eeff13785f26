import { ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidField, RequestProblems } from '@ringfence/problems';
import { fieldName, printable } from './request-input';

/** At most this many invalid fields are listed: a hostile body cannot grow the answer. */
export const MAX_LISTED_FIELDS = 20;
const MAX_MESSAGE_LENGTH = 200;

/** Whitelisted, transformed input; an unknown or invalid field is a 400 naming the fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => RequestProblems.VALIDATION_FAILED({ errors: invalidFields(errors) }),
  });
}

/** The first MAX_LISTED_FIELDS invalid fields, depth first, names and messages bounded. */
function invalidFields(errors: ValidationError[]): InvalidField[] {
  const listed: InvalidField[] = [];
  const pending = errors.map((error) => ({ error, parent: '' })).reverse();
  while (pending.length > 0 && listed.length < MAX_LISTED_FIELDS) {
    const { error, parent } = pending.pop()!;
    const field = parent ? `${parent}.${fieldName(error.property)}` : fieldName(error.property);
    if (error.constraints) listed.push({ field, messages: Object.values(error.constraints).map(boundedMessage) });
    for (const child of [...(error.children ?? [])].reverse()) pending.push({ error: child, parent: field });
  }
  return listed;
}

/** Messages may quote a client's property name ("property … should not exist"). */
function boundedMessage(message: string): string {
  return printable(message, MAX_MESSAGE_LENGTH);
}
