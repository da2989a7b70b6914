import { ValidateIf } from 'class-validator';

/**
 * May be left out, but never sent as `null`: class-validator's IsOptional lets null through as
 * if the field were absent, so `"thumbnail": null` would skip every check of that field.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
