import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { databaseUrl } from './database-url';
import {
  apiEnv,
  awsEnv,
  databaseEnv,
  dlqAlertEnv,
  dlqEnv,
  erasureEnv,
  forwarderEnv,
  logEnv,
  queueEnv,
  storageEnv,
  workerEnv,
} from './env.schema';

export interface AwsConfig {
  region: string;
  /** Set only for an emulator; real AWS resolves its own endpoints. */
  endpoint?: string;
  forcePathStyle: boolean;
}

export interface StorageConfig {
  originalsBucket: string;
  thumbnailsBucket: string;
  downloadUrlTtlSeconds: number;
  cdnBaseUrl?: string;
  /** Pre-made sizes besides `thumb`, longest side in px. */
  renditionPresets: RenditionPreset[];
  /** Scratch directory where originals are spooled to be hashed and decoded from a file. */
  originalsTempDir: string;
}

export interface RenditionPreset {
  name: string;
  maxSide: number;
}

export interface RenderConfig {
  signingSecret?: string;
  urlTtlSeconds: number;
  maxSide: number;
  maxInputPixels: number;
  concurrency: number;
  queueMax: number;
  timeoutMs: number;
  /** Memory for recently read originals (0 = off), and how often a cached one is re-checked with S3. */
  originalCacheBytes: number;
  originalRecheckMs: number;
  /** Originals above this are rendered from a scratch file, never held (or cached) in memory. */
  originalMemoryMaxBytes: number;
  urlRatePerMinute: number;
  /** Allowed output sides in px, ascending; requests are rounded up to the next one. */
  sizeLadder: number[];
  avifCap: { pixels: number; effort: number; quality: number };
  /** When set, the render route requires X-Origin-Verify with this value (only the CDN has it). */
  originSecret?: string;
}

export interface QueueConfig {
  uploadsQueueUrl: string;
  deadLetterQueueUrl: string;
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
}

export interface AuthConfig {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  devTokenEnabled: boolean;
  devTokenTtlSeconds: number;
}

export interface UploadPolicyConfig {
  urlTtlSeconds: number;
  maxBytes: number;
  maxThumbnailBytes: number;
  ratePerMinute: number;
  maxPendingPerUser: number;
  idempotencyTtlSeconds: number;
  multipart: MultipartPolicyConfig;
}

export interface MultipartPolicyConfig {
  /** Sizes above this get a multipart session even when the client did not ask for one. */
  thresholdBytes: number;
  /** The largest original a multipart session takes (single PUTs keep `maxBytes`). */
  maxBytes: number;
  /** Configured part size; a session's is max(this, ceil(size / 10000)). */
  partSizeBytes: number;
  partUrlTtlSeconds: number;
  /** How long a multipart session lives (its upload's expiry). */
  sessionTtlSeconds: number;
}

export interface DlqConfig {
  /** How long a peek hides the messages it reads before handing them back. */
  peekVisibilitySeconds: number;
}

export interface DlqAlertConfig {
  pollSeconds: number;
  /** The first alert waits up to this long for a burst to stop growing, to report one count. */
  settleSeconds: number;
  /** At most one alert per queue per window. */
  windowSeconds: number;
  reminderSeconds: number;
}

export interface SlackConfig {
  /** Unset: alerts are logged at warn level instead. */
  webhookUrl?: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
}

export interface ErasureConfig {
  /** HMAC key for the user-id hash kept in erasure records; rotating it breaks the lookups. */
  auditSalt: string;
  /** Keys per S3 DeleteObjects call (S3 takes at most 1,000). */
  objectBatchSize: number;
  /** Uploads (with their images, objects and renditions) deleted per transaction. */
  rowBatchSize: number;
  /** Breathing room for S3 and the database between two batches. */
  batchPauseMs: number;
  pollSeconds: number;
  /** A RUNNING request not checkpointed for this long belongs to a dead worker. */
  leaseSeconds: number;
  maxKeyAttempts: number;
  retryBaseMs: number;
}

export interface SharedConfig {
  logLevel: string;
  /** HMAC key of the per-user pseudonym that object keys carry instead of the user id. */
  userKeySecret: string;
  aws: AwsConfig;
  storage: StorageConfig;
  queue: QueueConfig;
  database: DatabaseConfig;
  erasure: ErasureConfig;
}

export interface ApiConfig extends SharedConfig {
  host: string;
  port: number;
  publicBaseUrl: string;
  webOrigins: string[];
  auth: AuthConfig;
  uploads: UploadPolicyConfig;
  render: RenderConfig;
  dlq: DlqConfig;
  /** Local mode only: also serve the reference web client (dist/web) at /. */
  webClientEnabled: boolean;
  logging: { successSampleRate: number; slowRequestMs: number };
  /** Prometheus metrics listen here, apart from the public listener. */
  metrics: { host: string; port: number };
  docsEnabled: boolean;
  /** Bounds on the status long-polls one process holds (each is an open request and a timer). */
  statusWaiters: { max: number; perUser: number };
}

export interface WorkerConfig extends SharedConfig {
  consumer: {
    batchSize: number;
    /** Receives in flight on the uploads queue, so the next one overlaps the current batch's work. */
    pollers: number;
    visibilityTimeoutSeconds: number;
    heartbeatSeconds: number;
    waitTimeSeconds: number;
    shutdownGraceSeconds: number;
  };
  metrics: { host: string; port: number };
  inspection: { maxPixels: number; decodeTimeoutSeconds: number; rejectedObjectAction: 'delete' | 'quarantine' };
  thumbnails: { waitSeconds: number; maxSide: number };
  sweep: {
    intervalSeconds: number;
    expiryGraceSeconds: number;
    /** Uploads-queue backlog from which thumbnails and renditions yield to judging (0 = never). */
    yieldBacklog: number;
    /** While yielding, images READY at least this long still get theirs: nothing waits forever. */
    maxDeferSeconds: number;
  };
  /** Per-item retries of the background passes (thumbnails, renditions, expiry, erasure). */
  background: { retryBaseSeconds: number; maxAttempts: number };
  dlq: DlqConfig & { alerts: DlqAlertConfig; slack: SlackConfig };
  /** Invalidation of deleted images' CDN paths; without a distribution the calls are only recorded. */
  cdn: { distributionId?: string; intervalSeconds: number; maxPathsPerBatch: number };
}

export interface ForwarderConfig {
  region: string;
  endpoint?: string;
  uploadsQueueUrl: string;
  maxAttempts: number;
  baseDelayMs: number;
}

export class ConfigError extends Error {
  constructor(issues: z.ZodIssue[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function parse<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // Empty strings mean "unset" so compose files and .env templates can leave a value blank.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(result.error.issues);
  return result.data;
}

/** Local runs and tests only: production refuses to start without ERASURE_AUDIT_SALT. */
const LOCAL_ERASURE_AUDIT_SALT = 'local-erasure-audit-salt-not-a-secret';
/** Local runs and tests only, like the salt above. */
export const LOCAL_USER_KEY_SECRET = 'local-only-user-key-secret-not-a-secret-0000';

/**
 * Secrets published in this repository (local defaults, compose, docs). With
 * NODE_ENV=production none of them is accepted, nor anything that reads like a placeholder.
 */
export const WELL_KNOWN_SECRETS: readonly string[] = [
  'local-only-secret-do-not-use-in-production-000',
  'local-only-render-signing-secret-0000000000',
  LOCAL_ERASURE_AUDIT_SALT,
  LOCAL_USER_KEY_SECRET,
];
const PLACEHOLDER_SECRET = /local-only|not-a-secret|do-not-use|change-?me|placeholder/i;

const PRODUCTION_SECRETS = [
  'AUTH_JWT_SECRET',
  'RENDER_SIGNING_SECRET',
  'ERASURE_AUDIT_SALT',
  'USER_KEY_SECRET',
  'RENDER_ORIGIN_SECRET',
] as const;

function refuseWellKnownSecrets(
  env: Partial<Record<(typeof PRODUCTION_SECRETS)[number], string>>,
  ctx: z.RefinementCtx,
) {
  if (process.env.NODE_ENV !== 'production') return;
  for (const name of PRODUCTION_SECRETS) {
    const value = env[name];
    if (value !== undefined && (WELL_KNOWN_SECRETS.includes(value) || PLACEHOLDER_SECRET.test(value))) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [name],
        message: 'is a well-known local value; production needs a secret of its own',
      });
    }
  }
}

const sharedSchema = awsEnv
  .merge(storageEnv)
  .merge(queueEnv)
  .merge(databaseEnv)
  .merge(logEnv)
  .merge(dlqEnv)
  .merge(erasureEnv);

/** Both the API and the worker make (and erase) keys under the user's pseudonym. */
function productionChecks(env: Parameters<typeof refuseWellKnownSecrets>[0], ctx: z.RefinementCtx) {
  if (env.USER_KEY_SECRET === undefined && process.env.NODE_ENV === 'production') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['USER_KEY_SECRET'],
      message: 'required with NODE_ENV=production (HMAC key of the user pseudonym in object keys)',
    });
  }
  refuseWellKnownSecrets(env, ctx);
}

function toShared(env: z.infer<typeof sharedSchema>, raw: NodeJS.ProcessEnv): SharedConfig {
  return {
    logLevel: env.LOG_LEVEL,
    userKeySecret: env.USER_KEY_SECRET ?? LOCAL_USER_KEY_SECRET,
    aws: {
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL,
      // Emulators serve buckets by path; real S3 prefers virtual-hosted style.
      forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.AWS_ENDPOINT_URL !== undefined,
    },
    storage: {
      originalsBucket: env.S3_ORIGINALS_BUCKET,
      thumbnailsBucket: env.S3_THUMBNAILS_BUCKET,
      downloadUrlTtlSeconds: env.DOWNLOAD_URL_TTL_SECONDS,
      cdnBaseUrl: env.CDN_BASE_URL?.replace(/\/+$/, ''),
      renditionPresets: env.RENDITION_PRESETS.split(',').map((entry) => {
        const [name, side] = entry.trim().split(':') as [string, string];
        return { name, maxSide: Number(side) };
      }),
      originalsTempDir: env.ORIGINALS_TEMP_DIR ?? join(tmpdir(), 'image-originals'),
    },
    queue: { uploadsQueueUrl: env.UPLOADS_QUEUE_URL, deadLetterQueueUrl: env.UPLOADS_DLQ_URL },
    database: { url: databaseUrl(raw), poolSize: env.DATABASE_POOL_SIZE },
    erasure: toErasureConfig(env),
  };
}

function toErasureConfig(env: z.infer<typeof erasureEnv>): ErasureConfig {
  return {
    auditSalt: env.ERASURE_AUDIT_SALT ?? LOCAL_ERASURE_AUDIT_SALT,
    objectBatchSize: env.ERASURE_OBJECT_BATCH_SIZE,
    rowBatchSize: env.ERASURE_ROW_BATCH_SIZE,
    batchPauseMs: env.ERASURE_BATCH_PAUSE_MS,
    pollSeconds: env.ERASURE_POLL_SECONDS,
    leaseSeconds: env.ERASURE_LEASE_SECONDS,
    maxKeyAttempts: env.ERASURE_MAX_KEY_ATTEMPTS,
    retryBaseMs: env.ERASURE_RETRY_BASE_MS,
  };
}

/** The erasure CLI only needs the database and the audit salt, not the queues or S3. */
export function loadErasureCliConfig(
  raw: NodeJS.ProcessEnv,
): Pick<SharedConfig, 'database' | 'erasure' | 'userKeySecret'> {
  const env = parse(
    databaseEnv.merge(erasureEnv).superRefine((checked, ctx) => productionChecks(checked, ctx)),
    raw,
  );
  return {
    database: { url: databaseUrl(raw), poolSize: 2 },
    erasure: toErasureConfig(env),
    userKeySecret: env.USER_KEY_SECRET ?? LOCAL_USER_KEY_SECRET,
  };
}

const apiSchema = sharedSchema.merge(apiEnv).superRefine((env, ctx) => {
  productionChecks(env, ctx);
  if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['AUTH_JWT_SECRET'],
      message: 'set AUTH_JWT_SECRET (HS256, local use) or AUTH_JWKS_URL (RS256/ES256, production)',
    });
  }
  if (env.DEV_TOKEN_ENABLED && !env.AUTH_JWT_SECRET) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_TOKEN_ENABLED'],
      message: 'the dev token endpoint signs with AUTH_JWT_SECRET, which is not set',
    });
  }
  if (env.DEV_TOKEN_ENABLED && process.env.NODE_ENV === 'production') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_TOKEN_ENABLED'],
      message: 'the dev token endpoint must never be enabled with NODE_ENV=production',
    });
  }
});

export function loadApiConfig(raw: NodeJS.ProcessEnv): ApiConfig {
  const env = parse(apiSchema, raw);
  return {
    ...toShared(env, raw),
    host: env.HOST,
    port: env.PORT,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/+$/, ''),
    webOrigins: env.WEB_ORIGINS,
    logging: { successSampleRate: env.LOG_SUCCESS_SAMPLE_RATE, slowRequestMs: env.LOG_SLOW_REQUEST_MS },
    auth: {
      jwtSecret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWKS_URL,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS,
      devTokenEnabled: env.DEV_TOKEN_ENABLED,
      devTokenTtlSeconds: env.DEV_TOKEN_TTL_SECONDS,
    },
    uploads: {
      urlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
      maxBytes: env.UPLOAD_MAX_BYTES,
      maxThumbnailBytes: env.THUMBNAIL_MAX_BYTES,
      ratePerMinute: env.UPLOAD_RATE_LIMIT_PER_MINUTE,
      maxPendingPerUser: env.MAX_PENDING_UPLOADS_PER_USER,
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
      multipart: {
        thresholdBytes: env.MULTIPART_THRESHOLD_BYTES,
        maxBytes: env.MULTIPART_MAX_BYTES,
        partSizeBytes: env.MULTIPART_PART_SIZE_BYTES,
        partUrlTtlSeconds: env.MULTIPART_PART_URL_TTL_SECONDS,
        sessionTtlSeconds: env.MULTIPART_SESSION_TTL_SECONDS,
      },
    },
    render: {
      signingSecret: env.RENDER_SIGNING_SECRET,
      urlTtlSeconds: env.RENDER_URL_TTL_SECONDS,
      maxSide: env.RENDER_MAX_SIDE,
      maxInputPixels: env.RENDER_MAX_INPUT_PIXELS,
      concurrency: env.RENDER_CONCURRENCY,
      queueMax: env.RENDER_QUEUE_MAX,
      timeoutMs: env.RENDER_TIMEOUT_MS,
      originalCacheBytes: env.RENDER_ORIGINAL_CACHE_MB * 1024 * 1024,
      originalRecheckMs: env.RENDER_ORIGINAL_RECHECK_MS,
      originalMemoryMaxBytes: env.RENDER_ORIGINAL_MEMORY_MAX_MB * 1024 * 1024,
      urlRatePerMinute: env.RENDER_URL_RATE_LIMIT_PER_MINUTE,
      sizeLadder: [...new Set(env.RENDER_SIZE_LADDER.split(',').map((side) => Number(side.trim())))]
        .filter((side) => side > 0)
        .sort((a, b) => a - b),
      avifCap: {
        pixels: env.RENDER_AVIF_CAP_PIXELS,
        effort: env.RENDER_AVIF_MAX_EFFORT,
        quality: env.RENDER_AVIF_MAX_QUALITY,
      },
      originSecret: env.RENDER_ORIGIN_SECRET,
    },
    dlq: { peekVisibilitySeconds: env.DLQ_PEEK_VISIBILITY_SECONDS },
    webClientEnabled: env.WEB_CLIENT_ENABLED,
    metrics: { host: env.API_METRICS_HOST, port: env.API_METRICS_PORT },
    docsEnabled: env.API_DOCS_ENABLED ?? process.env.NODE_ENV !== 'production',
    statusWaiters: { max: env.UPLOAD_WAITERS_MAX, perUser: env.UPLOAD_WAITERS_PER_USER },
  };
}

const workerSchema = sharedSchema.merge(workerEnv.merge(dlqAlertEnv)).superRefine((env, ctx) => {
  productionChecks(env, ctx);
  if (env.WORKER_HEARTBEAT_SECONDS >= env.WORKER_VISIBILITY_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['WORKER_HEARTBEAT_SECONDS'],
      message: 'must be shorter than WORKER_VISIBILITY_TIMEOUT_SECONDS, or messages reappear mid-work',
    });
  }
});

export function loadWorkerConfig(raw: NodeJS.ProcessEnv): WorkerConfig {
  const env = parse(workerSchema, raw);
  return {
    ...toShared(env, raw),
    consumer: {
      batchSize: env.WORKER_BATCH_SIZE,
      pollers: env.WORKER_POLLERS,
      visibilityTimeoutSeconds: env.WORKER_VISIBILITY_TIMEOUT_SECONDS,
      heartbeatSeconds: env.WORKER_HEARTBEAT_SECONDS,
      waitTimeSeconds: env.WORKER_WAIT_TIME_SECONDS,
      shutdownGraceSeconds: env.WORKER_SHUTDOWN_GRACE_SECONDS,
    },
    metrics: { host: env.WORKER_METRICS_HOST, port: env.WORKER_METRICS_PORT },
    inspection: {
      maxPixels: env.IMAGE_MAX_PIXELS,
      decodeTimeoutSeconds: env.IMAGE_DECODE_TIMEOUT_SECONDS,
      rejectedObjectAction: env.REJECTED_OBJECT_ACTION,
    },
    thumbnails: { waitSeconds: env.THUMBNAIL_WAIT_SECONDS, maxSide: env.THUMBNAIL_MAX_SIDE },
    sweep: {
      intervalSeconds: env.SWEEP_INTERVAL_SECONDS,
      expiryGraceSeconds: env.UPLOAD_EXPIRY_GRACE_SECONDS,
      yieldBacklog: env.SWEEP_YIELD_BACKLOG,
      maxDeferSeconds: env.SWEEP_MAX_DEFER_SECONDS,
    },
    cdn: {
      distributionId: env.CDN_DISTRIBUTION_ID,
      intervalSeconds: env.CDN_INVALIDATION_INTERVAL_SECONDS,
      maxPathsPerBatch: env.CDN_INVALIDATION_MAX_PATHS,
    },
    background: { retryBaseSeconds: env.BACKGROUND_RETRY_BASE_SECONDS, maxAttempts: env.BACKGROUND_MAX_ATTEMPTS },
    dlq: {
      peekVisibilitySeconds: env.DLQ_PEEK_VISIBILITY_SECONDS,
      alerts: {
        pollSeconds: env.DLQ_ALERT_POLL_SECONDS,
        settleSeconds: env.DLQ_ALERT_SETTLE_SECONDS,
        windowSeconds: env.DLQ_ALERT_WINDOW_SECONDS,
        reminderSeconds: env.DLQ_ALERT_REMINDER_SECONDS,
      },
      slack: {
        webhookUrl: env.SLACK_WEBHOOK_URL,
        timeoutMs: env.SLACK_TIMEOUT_MS,
        maxRetries: env.SLACK_MAX_RETRIES,
        retryBaseMs: env.SLACK_RETRY_BASE_MS,
      },
    },
  };
}

export function loadForwarderConfig(raw: NodeJS.ProcessEnv): ForwarderConfig {
  const env = parse(awsEnv.merge(forwarderEnv), raw);
  return {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    uploadsQueueUrl: env.UPLOADS_QUEUE_URL,
    maxAttempts: env.FORWARDER_MAX_ATTEMPTS,
    baseDelayMs: env.FORWARDER_BASE_DELAY_MS,
  };
}
