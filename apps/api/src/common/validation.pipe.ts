import { ValidationError, ValidationPipe } from '@nestjs/common';
import { errors, FieldError } from '@lib/errors';

function flatten(validationErrors: ValidationError[], parent = ''): FieldError[] {
  return validationErrors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      // whitelist errors read "property x should not exist"; say it in the field's terms.
      message: message.includes('should not exist') ? 'is not a known field' : message.replace(`${e.property} `, ''),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Refuses unknown fields and names every offending field in the problem document. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: false,
    exceptionFactory: (validationErrors) => errors.validationFailed(flatten(validationErrors)),
  });
}
