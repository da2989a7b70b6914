import { Param, ParseUUIDPipe } from '@nestjs/common';
import { errors } from '@lib/errors';

/**
 * A route parameter that must be a UUID (of `version`, when given); anything else is a 400
 * problem+json naming the parameter, before the route runs.
 */
export function UuidParam(name: string, version?: '4'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      version,
      exceptionFactory: () => errors.validationFailed([{ field: name, message: 'must be a UUID' }]),
    }),
  );
}
