export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/image_uploads';

/** Read in one place so the Prisma CLI, the apps and the scripts agree on the default. */
export function databaseUrl(env: NodeJS.ProcessEnv): string {
  return env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
}
