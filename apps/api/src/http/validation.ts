import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorCode, InvalidField } from './problem';

/** Whitelisted, transformed input; an unknown or invalid field is a 400 naming the fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new BadRequestException({
        code: ErrorCode.ValidationFailed,
        detail: 'The request has invalid fields.',
        errors: invalidFields(errors),
      }),
  });
}

function invalidFields(errors: ValidationError[], parent = ''): InvalidField[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...invalidFields(error.children ?? [], field)];
  });
}
