import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';
import { isProduction, RuntimeEnv } from './runtime.config';

/** Right-to-erasure requests: read by the API and CLI (the hash) and the worker (the run). */
export const erasureEnv = z.object({
  ERASURE_AUDIT_SALT: z.string().min(16).optional(),
  // HMAC key of the per-user pseudonym in object keys (and so in URLs); erasure finds a user's
  // objects by it, so it is never rotated.
  USER_KEY_SECRET: z.string().min(32, 'USER_KEY_SECRET must be at least 32 characters').optional(),
  ERASURE_OBJECT_BATCH_SIZE: envInt(1, 1000).default(1000),
  ERASURE_ROW_BATCH_SIZE: envInt(1, 10_000).default(500),
  ERASURE_BATCH_PAUSE_MS: envInt(0, 60_000).default(50),
  ERASURE_POLL_SECONDS: envInt(1, 3600).default(5),
  ERASURE_LEASE_SECONDS: envInt(5, 24 * 3600).default(120),
  ERASURE_MAX_KEY_ATTEMPTS: envInt(1, 20).default(5),
  ERASURE_RETRY_BASE_MS: envInt(1, 60_000).default(200),
});

export type ErasureEnv = z.output<typeof erasureEnv>;

/** Local runs and tests only: production refuses to start without ERASURE_AUDIT_SALT. */
export const LOCAL_ERASURE_AUDIT_SALT = 'local-erasure-audit-salt-not-a-secret';
/** Local runs and tests only, like the salt above. */
export const LOCAL_USER_KEY_SECRET = 'local-only-user-key-secret-not-a-secret-0000';

/** Both keys are shared by the API and the worker, and production must have its own. */
export function checkErasureEnv(env: ErasureEnv & RuntimeEnv, ctx: z.RefinementCtx): void {
  if (!isProduction(env)) return;
  if (env.ERASURE_AUDIT_SALT === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['ERASURE_AUDIT_SALT'],
      message: 'required with NODE_ENV=production (HMAC key for erased user ids)',
    });
  }
  if (env.USER_KEY_SECRET === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['USER_KEY_SECRET'],
      message: 'required with NODE_ENV=production (HMAC key of the user pseudonym in object keys)',
    });
  }
}

/** HMAC key of the per-user pseudonym that object keys carry instead of the user id. */
export function toUserKeySecret(env: ErasureEnv): string {
  return env.USER_KEY_SECRET ?? LOCAL_USER_KEY_SECRET;
}

export function toErasureConfig(env: ErasureEnv) {
  return {
    /** HMAC key for the user-id hash kept in erasure records; rotating it breaks the lookups. */
    auditSalt: env.ERASURE_AUDIT_SALT ?? LOCAL_ERASURE_AUDIT_SALT,
    /** Keys per S3 DeleteObjects call (S3 takes at most 1,000). */
    objectBatchSize: env.ERASURE_OBJECT_BATCH_SIZE,
    /** Uploads (with their images, objects and renditions) deleted per transaction. */
    rowBatchSize: env.ERASURE_ROW_BATCH_SIZE,
    /** Breathing room for S3 and the database between two batches. */
    batchPauseMs: env.ERASURE_BATCH_PAUSE_MS,
    pollSeconds: env.ERASURE_POLL_SECONDS,
    /** A RUNNING request not checkpointed for this long belongs to a dead worker. */
    leaseSeconds: env.ERASURE_LEASE_SECONDS,
    maxKeyAttempts: env.ERASURE_MAX_KEY_ATTEMPTS,
    retryBaseMs: env.ERASURE_RETRY_BASE_MS,
  };
}

export type ErasureConfig = ConfigOf<ReturnType<typeof toErasureConfig>>;
