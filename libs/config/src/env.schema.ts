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

export const awsEnv = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ENDPOINT_URL: z.string().url().optional(),
  S3_FORCE_PATH_STYLE: envBoolean.optional(),
});

export const storageEnv = z.object({
  S3_ORIGINALS_BUCKET: z.string().min(3).default('image-originals'),
  S3_THUMBNAILS_BUCKET: z.string().min(3).default('image-thumbnails'),
  DOWNLOAD_URL_TTL_SECONDS: envInt(10, 7 * 24 * 3600).default(300),
  CDN_BASE_URL: z.string().url().optional(),
  // `thumb` is always the upload's thumbnail (the client's or the worker's); these are made too.
  RENDITION_PRESETS: z
    .string()
    .regex(
      /^\s*[a-z][a-z0-9-]{0,31}:\d{2,4}\s*(,\s*[a-z][a-z0-9-]{0,31}:\d{2,4}\s*)*$/,
      'expected name:px[,name:px...]',
    )
    .default('card:640,large:1600'),
  // Originals are spooled here (never held whole in memory) to be hashed and decoded: worker and API.
  ORIGINALS_TEMP_DIR: z.string().min(1).optional(),
});

export const queueEnv = z.object({
  UPLOADS_QUEUE_URL: z.string().url(),
  UPLOADS_DLQ_URL: z.string().url(),
});

export const databaseEnv = z.object({
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: envInt(1, 100).default(10),
});

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const apiEnv = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: envInt(0, 65535).default(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),
  WEB_ORIGINS: envList.default('http://127.0.0.1:3000,http://localhost:3000'),
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
  DEV_TOKEN_ENABLED: envBoolean.default('false'),
  AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ISSUER: z.string().min(1).default('image-upload-platform'),
  AUTH_AUDIENCE: z.string().min(1).default('image-upload-api'),
  AUTH_CLOCK_SKEW_SECONDS: envInt(0, 300).default(30),
  DEV_TOKEN_TTL_SECONDS: envInt(60, 24 * 3600).default(3600),
  UPLOAD_RATE_LIMIT_PER_MINUTE: envInt(1, 1_000_000).default(120),
  MAX_PENDING_UPLOADS_PER_USER: envInt(1, 1_000_000).default(200),
  IDEMPOTENCY_TTL_SECONDS: envInt(60, 7 * 24 * 3600).default(24 * 3600),
  // Request lines of successful, fast requests are sampled; errors and slow requests always log.
  LOG_SUCCESS_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  LOG_SLOW_REQUEST_MS: envInt(0, 600_000).default(1000),
  // Unset: on-demand rendering is off (render-url answers 503). Shared by every API task.
  RENDER_SIGNING_SECRET: z.string().min(32, 'RENDER_SIGNING_SECRET must be at least 32 characters').optional(),
  RENDER_URL_TTL_SECONDS: envInt(60, 30 * 24 * 3600).default(24 * 3600),
  RENDER_MAX_SIDE: envInt(16, 16_384).default(4096),
  RENDER_MAX_INPUT_PIXELS: envInt(1, 1_000_000_000).default(50_000_000),
  RENDER_CONCURRENCY: envInt(1, 64).default(2),
  RENDER_QUEUE_MAX: envInt(0, 10_000).default(16),
  RENDER_TIMEOUT_MS: envInt(100, 120_000).default(15_000),
  // 0 turns the cache of recently read originals off.
  RENDER_ORIGINAL_CACHE_MB: envInt(0, 4096).default(48),
  RENDER_ORIGINAL_RECHECK_MS: envInt(0, 60_000).default(1000),
  // Larger originals are rendered from a scratch file and never cached in memory.
  RENDER_ORIGINAL_MEMORY_MAX_MB: envInt(1, 1024).default(32),
  // render-url mints per user and minute; each new size is a render the origin pays for.
  RENDER_URL_RATE_LIMIT_PER_MINUTE: envInt(1, 1_000_000).default(60),
  // Requested widths and heights are rounded up to the next step of this ladder (px).
  RENDER_SIZE_LADDER: z
    .string()
    .regex(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, 'expected px[,px...]')
    .default('64,128,256,320,480,640,768,960,1200,1600,2048,2560,3200,4096'),
  // Above this many output pixels AVIF is encoded with at most the capped effort and quality.
  RENDER_AVIF_CAP_PIXELS: envInt(1, 1_000_000_000).default(1_000_000),
  RENDER_AVIF_MAX_EFFORT: envInt(0, 9).default(1),
  RENDER_AVIF_MAX_QUALITY: envInt(1, 100).default(60),
  // Set (production): the render route answers only requests carrying X-Origin-Verify with this
  // value, which the CDN adds as a custom origin header, so nobody can bypass the CDN's cache.
  RENDER_ORIGIN_SECRET: z.string().min(32, 'RENDER_ORIGIN_SECRET must be at least 32 characters').optional(),
  // Prometheus metrics on their own listener, never the public one (0 = a free port).
  API_METRICS_PORT: envInt(0, 65535).default(9465),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // The OpenAPI document and its UI at /docs; off by default with NODE_ENV=production.
  API_DOCS_ENABLED: envBoolean.optional(),
  // Long-polls of GET /v1/uploads/:id?wait=N held at once by one API process (beyond: 503 +
  // Retry-After), and by one user in one process (beyond: 429 + Retry-After).
  UPLOAD_WAITERS_MAX: envInt(1, 100_000).default(1000),
  UPLOAD_WAITERS_PER_USER: envInt(1, 1000).default(10),
  // Local mode only: the API also serves the reference web client (dist/web) at /.
  WEB_CLIENT_ENABLED: envBoolean.default('false'),
});

export const workerEnv = z.object({
  WORKER_BATCH_SIZE: envInt(1, 10).default(10),
  WORKER_POLLERS: envInt(1, 8).default(2),
  WORKER_VISIBILITY_TIMEOUT_SECONDS: envInt(1, 43200).default(60),
  WORKER_HEARTBEAT_SECONDS: envInt(1, 43200).default(20),
  WORKER_WAIT_TIME_SECONDS: envInt(0, 20).default(20),
  WORKER_SHUTDOWN_GRACE_SECONDS: envInt(1, 600).default(25),
  WORKER_METRICS_PORT: envInt(0, 65535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  IMAGE_MAX_PIXELS: envInt(1, 1_000_000_000).default(50_000_000),
  // An image is READY only once it decoded in full within this time (else REJECTED undecodable).
  IMAGE_DECODE_TIMEOUT_SECONDS: envInt(1, 600).default(30),
  REJECTED_OBJECT_ACTION: z.enum(['delete', 'quarantine']).default('delete'),
  THUMBNAIL_WAIT_SECONDS: envInt(0, 24 * 3600).default(60),
  THUMBNAIL_MAX_SIDE: envInt(16, 2048).default(256),
  SWEEP_INTERVAL_SECONDS: envInt(1, 3600).default(15),
  // While the uploads queue holds this many messages, thumbnails and renditions wait (0 = never).
  // One receive's worth: that many waiting means no poller could take them, so the worker is behind.
  SWEEP_YIELD_BACKLOG: envInt(0, 1_000_000).default(10),
  SWEEP_MAX_DEFER_SECONDS: envInt(0, 24 * 3600).default(600),
  UPLOAD_EXPIRY_GRACE_SECONDS: envInt(0, 7 * 24 * 3600).default(300),
  // Unset: invalidations are recorded locally (logged) instead of sent to CloudFront.
  CDN_DISTRIBUTION_ID: z.string().min(1).max(128).optional(),
  CDN_INVALIDATION_INTERVAL_SECONDS: envInt(1, 3600).default(10),
  // CloudFront allows 15 wildcard paths in progress per distribution; one batch stays within it.
  CDN_INVALIDATION_MAX_PATHS: envInt(1, 3000).default(15),
  // Background passes: a failing item is retried with exponential backoff from this base, and
  // marked failed (for an admin to see) after this many attempts.
  BACKGROUND_RETRY_BASE_SECONDS: envInt(1, 24 * 3600).default(30),
  BACKGROUND_MAX_ATTEMPTS: envInt(1, 100).default(5),
});

export const forwarderEnv = z.object({
  UPLOADS_QUEUE_URL: z.string().url(),
  FORWARDER_MAX_ATTEMPTS: envInt(1, 10).default(4),
  FORWARDER_BASE_DELAY_MS: envInt(1, 10_000).default(100),
});

/** Read by everything that inspects or redrives the uploads DLQ (worker, API admin routes, CLI). */
export const dlqEnv = z.object({
  // Long enough to read a sample, short enough that a peek never holds messages for long.
  DLQ_PEEK_VISIBILITY_SECONDS: envInt(1, 60).default(5),
});

/** The worker's DLQ monitor and its Slack alerts. */
export const dlqAlertEnv = z.object({
  SLACK_WEBHOOK_URL: z.string().url().optional(),
  // Poll plus settle stays well under a minute, so the first alert goes out within 60 s.
  DLQ_ALERT_POLL_SECONDS: envInt(1, 3600).default(30),
  DLQ_ALERT_SETTLE_SECONDS: envInt(0, 300).default(10),
  DLQ_ALERT_WINDOW_SECONDS: envInt(1, 24 * 3600).default(300),
  DLQ_ALERT_REMINDER_SECONDS: envInt(1, 7 * 24 * 3600).default(3600),
  SLACK_TIMEOUT_MS: envInt(100, 60_000).default(5_000),
  SLACK_MAX_RETRIES: envInt(0, 10).default(4),
  SLACK_RETRY_BASE_MS: envInt(1, 60_000).default(1_000),
});

/** Right-to-erasure requests: read by the API and CLI (the hash) and the worker (the run). */
export const erasureEnv = z.object({
  ERASURE_AUDIT_SALT: z
    .string()
    .min(16)
    .optional()
    .refine((value) => value !== undefined || process.env.NODE_ENV !== 'production', {
      message: 'required with NODE_ENV=production (HMAC key for erased user ids)',
    }),
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
