import { z } from 'zod';

/** Booleans in the environment are spelled out; anything else is a typo worth failing on. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const envList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** The variables a group's schema reads, for key lists and for the infra's container environments. */
export function envKeys<T extends z.ZodRawShape>(schema: z.ZodObject<T>): (keyof T & string)[] {
  return Object.keys(schema.shape) as (keyof T & string)[];
}

/**
 * The typed object a group's mapping returns, with the members that may be undefined made
 * optional (as `endpoint?: string`), so that objects built by hand need not spell them out.
 */
export type ConfigOf<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? {
        [K in keyof T as undefined extends T[K] ? never : K]: ConfigOf<T[K]>;
      } & {
        [K in keyof T as undefined extends T[K] ? K : never]?: ConfigOf<T[K]>;
      } extends infer O
      ? { [K in keyof O]: O[K] }
      : never
    : T;
