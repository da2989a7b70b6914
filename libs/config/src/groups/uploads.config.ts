import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** What the API allows a client to upload, how fast, and how long it may wait for the verdict. */
export const uploadsEnv = z.object({
  UPLOAD_URL_TTL_SECONDS: envInt(30, 900).default(300),
  UPLOAD_MAX_BYTES: envInt(1, 5 * 1024 ** 3).default(25 * 1024 * 1024),
  THUMBNAIL_MAX_BYTES: envInt(1, 50 * 1024 * 1024).default(1024 * 1024),
  // Multipart sessions: offered when asked for, or when the size is above the threshold. Sizes
  // are stored as 32-bit integers, hence the caps; S3's parts are at least 5 MiB. Together they
  // bound a session to 410 parts, within one ListParts page (S3_LIST_PARTS_PAGE in @lib/contracts).
  MULTIPART_THRESHOLD_BYTES: envInt(1, 2_147_483_647).default(16 * 1024 * 1024),
  MULTIPART_MAX_BYTES: envInt(1, 2_147_483_647).default(200 * 1024 * 1024),
  MULTIPART_PART_SIZE_BYTES: envInt(5 * 1024 * 1024, 2_147_483_647).default(8 * 1024 * 1024),
  MULTIPART_PART_URL_TTL_SECONDS: envInt(1, 3600).default(600),
  // Below the buckets' one-day AbortIncompleteMultipartUpload rule, so it never ends a live session.
  MULTIPART_SESSION_TTL_SECONDS: envInt(60, 23 * 3600).default(6 * 3600),
  UPLOAD_RATE_LIMIT_PER_MINUTE: envInt(1, 1_000_000).default(120),
  MAX_PENDING_UPLOADS_PER_USER: envInt(1, 1_000_000).default(200),
  IDEMPOTENCY_TTL_SECONDS: envInt(60, 7 * 24 * 3600).default(24 * 3600),
  // Long-polls of GET /v1/uploads/:id?wait=N held at once by one API process (beyond: 503 +
  // Retry-After), and by one user in one process (beyond: 429 + Retry-After).
  UPLOAD_WAITERS_MAX: envInt(1, 100_000).default(1000),
  UPLOAD_WAITERS_PER_USER: envInt(1, 1000).default(10),
});

export type UploadsEnv = z.output<typeof uploadsEnv>;

export function toUploadPolicyConfig(env: UploadsEnv) {
  return {
    urlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
    maxBytes: env.UPLOAD_MAX_BYTES,
    maxThumbnailBytes: env.THUMBNAIL_MAX_BYTES,
    ratePerMinute: env.UPLOAD_RATE_LIMIT_PER_MINUTE,
    maxPendingPerUser: env.MAX_PENDING_UPLOADS_PER_USER,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    multipart: {
      /** Sizes above this get a multipart session even when the client did not ask for one. */
      thresholdBytes: env.MULTIPART_THRESHOLD_BYTES,
      /** The largest original a multipart session takes (single PUTs keep `maxBytes`). */
      maxBytes: env.MULTIPART_MAX_BYTES,
      /** Configured part size; a session's is max(this, ceil(size / 10000)). */
      partSizeBytes: env.MULTIPART_PART_SIZE_BYTES,
      partUrlTtlSeconds: env.MULTIPART_PART_URL_TTL_SECONDS,
      /** How long a multipart session lives (its upload's expiry). */
      sessionTtlSeconds: env.MULTIPART_SESSION_TTL_SECONDS,
    },
  };
}

/** Bounds on the status long-polls one process holds (each is an open request and a timer). */
export function toStatusWaitersConfig(env: UploadsEnv) {
  return { max: env.UPLOAD_WAITERS_MAX, perUser: env.UPLOAD_WAITERS_PER_USER };
}

export type UploadPolicyConfig = ConfigOf<ReturnType<typeof toUploadPolicyConfig>>;
export type MultipartPolicyConfig = UploadPolicyConfig['multipart'];
export type StatusWaitersConfig = ConfigOf<ReturnType<typeof toStatusWaitersConfig>>;
