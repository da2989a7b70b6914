import { z } from 'zod';
import { databaseUrl } from '../database-url';
import { ConfigOf, envInt } from '../env-values';

export const databaseEnv = z.object({
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: envInt(1, 100).default(10),
});

export type DatabaseEnv = z.output<typeof databaseEnv>;

export function toDatabaseConfig(env: DatabaseEnv) {
  return { url: databaseUrl({ DATABASE_URL: env.DATABASE_URL }), poolSize: env.DATABASE_POOL_SIZE };
}

export type DatabaseConfig = ConfigOf<ReturnType<typeof toDatabaseConfig>>;
