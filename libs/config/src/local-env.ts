import { databaseUrl } from './database-url';
import { LOCAL_USER_KEY_SECRET } from './groups/erasure.config';

/** A secret for local runs only; production verifies against a JWKS instead. */
export const LOCAL_JWT_SECRET = 'local-only-secret-do-not-use-in-production-000';

/** Signs render URLs in local runs only. */
export const LOCAL_RENDER_SIGNING_SECRET = 'local-only-render-signing-secret-0000000000';

/**
 * Defaults for the local stack. Every value can be overridden from the shell environment;
 * the README's configuration table lists them all.
 */
export function localEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const port = env.PORT ?? '3000';
  return {
    NODE_ENV: env.NODE_ENV ?? 'development',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    AWS_REGION: env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    S3_ORIGINALS_BUCKET: env.S3_ORIGINALS_BUCKET ?? 'image-originals',
    S3_THUMBNAILS_BUCKET: env.S3_THUMBNAILS_BUCKET ?? 'image-thumbnails',
    DATABASE_URL: databaseUrl(env),
    HOST: env.HOST ?? '127.0.0.1',
    PORT: port,
    WEB_ORIGINS: env.WEB_ORIGINS ?? `http://127.0.0.1:${port},http://localhost:${port}`,
    AUTH_JWT_SECRET: env.AUTH_JWT_SECRET ?? LOCAL_JWT_SECRET,
    DEV_TOKEN_ENABLED: env.DEV_TOKEN_ENABLED ?? 'true',
    WEB_CLIENT_ENABLED: env.WEB_CLIENT_ENABLED ?? 'true',
    RENDER_SIGNING_SECRET: env.RENDER_SIGNING_SECRET ?? LOCAL_RENDER_SIGNING_SECRET,
    USER_KEY_SECRET: env.USER_KEY_SECRET ?? LOCAL_USER_KEY_SECRET,
    DLQ_MAX_RECEIVE_COUNT: env.DLQ_MAX_RECEIVE_COUNT ?? '5',
    WORKER_VISIBILITY_TIMEOUT_SECONDS: env.WORKER_VISIBILITY_TIMEOUT_SECONDS ?? '60',
  };
}
