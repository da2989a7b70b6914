import { z } from 'zod';
import { apiEnv, erasureCliEnv, forwarderAppEnv, sharedEnv, workerEnv } from './env.schema';
import { AuthConfig, checkAuthEnv, toAuthConfig } from './groups/auth.config';
import { AwsConfig, toAwsConfig } from './groups/aws.config';
import { CdnConfig, toCdnConfig } from './groups/cdn.config';
import { checkConsumerEnv, ConsumerConfig, toConsumerConfig } from './groups/consumer.config';
import { DatabaseConfig, toDatabaseConfig } from './groups/database.config';
import { DlqAlertConfig, SlackConfig, toDlqAlertConfig, toSlackConfig } from './groups/dlq-monitor.config';
import { DlqConfig, toDlqConfig } from './groups/dlq.config';
import { checkErasureEnv, ErasureConfig, ErasureEnv, toErasureConfig, toUserKeySecret } from './groups/erasure.config';
import { ForwarderConfig, toForwarderConfig } from './groups/forwarder.config';
import { InspectionConfig, toInspectionConfig } from './groups/inspection.config';
import {
  MetricsConfig,
  RequestLoggingConfig,
  toApiMetricsConfig,
  toLogLevel,
  toRequestLoggingConfig,
  toWorkerMetricsConfig,
} from './groups/observability.config';
import { QueueConfig, toQueueConfig } from './groups/queue.config';
import { RenderConfig, toRenderConfig } from './groups/render.config';
import { ServerConfig, toServerConfig } from './groups/server.config';
import { StorageConfig, toStorageConfig } from './groups/storage.config';
import { BackgroundConfig, SweepConfig, toBackgroundConfig, toSweepConfig } from './groups/sweep.config';
import { ThumbnailsConfig, toThumbnailsConfig } from './groups/thumbnails.config';
import {
  StatusWaitersConfig,
  toStatusWaitersConfig,
  toUploadPolicyConfig,
  UploadPolicyConfig,
} from './groups/uploads.config';
import { refuseWellKnownSecrets } from './production-secrets';

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

export interface ApiConfig extends SharedConfig, ServerConfig {
  auth: AuthConfig;
  uploads: UploadPolicyConfig;
  render: RenderConfig;
  dlq: DlqConfig;
  logging: RequestLoggingConfig;
  /** Prometheus metrics listen here, apart from the public listener. */
  metrics: MetricsConfig;
  statusWaiters: StatusWaitersConfig;
}

export interface WorkerConfig extends SharedConfig {
  consumer: ConsumerConfig;
  metrics: MetricsConfig;
  inspection: InspectionConfig;
  thumbnails: ThumbnailsConfig;
  sweep: SweepConfig;
  background: BackgroundConfig;
  dlq: DlqConfig & { alerts: DlqAlertConfig; slack: SlackConfig };
  cdn: CdnConfig;
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

/** Every process that makes or erases keys under the user's pseudonym (API, worker, erasure CLI). */
function productionChecks(env: ErasureEnv & Parameters<typeof refuseWellKnownSecrets>[0], ctx: z.RefinementCtx): void {
  checkErasureEnv(env, ctx);
  refuseWellKnownSecrets(env, ctx);
}

function toShared(env: z.output<typeof sharedEnv>): SharedConfig {
  return {
    logLevel: toLogLevel(env),
    userKeySecret: toUserKeySecret(env),
    aws: toAwsConfig(env),
    storage: toStorageConfig(env),
    queue: toQueueConfig(env),
    database: toDatabaseConfig(env),
    erasure: toErasureConfig(env),
  };
}

export function loadErasureCliConfig(
  raw: NodeJS.ProcessEnv,
): Pick<SharedConfig, 'database' | 'erasure' | 'userKeySecret'> {
  const env = parse(
    erasureCliEnv.superRefine((checked, ctx) => productionChecks(checked, ctx)),
    raw,
  );
  return {
    database: { ...toDatabaseConfig(env), poolSize: 2 },
    erasure: toErasureConfig(env),
    userKeySecret: toUserKeySecret(env),
  };
}

const apiSchema = apiEnv.superRefine((env, ctx) => {
  productionChecks(env, ctx);
  checkAuthEnv(env, ctx);
});

export function loadApiConfig(raw: NodeJS.ProcessEnv): ApiConfig {
  const env = parse(apiSchema, raw);
  return {
    ...toShared(env),
    ...toServerConfig(env),
    logging: toRequestLoggingConfig(env),
    auth: toAuthConfig(env),
    uploads: toUploadPolicyConfig(env),
    render: toRenderConfig(env),
    dlq: toDlqConfig(env),
    metrics: toApiMetricsConfig(env),
    statusWaiters: toStatusWaitersConfig(env),
  };
}

const workerSchema = workerEnv.superRefine((env, ctx) => {
  productionChecks(env, ctx);
  checkConsumerEnv(env, ctx);
});

export function loadWorkerConfig(raw: NodeJS.ProcessEnv): WorkerConfig {
  const env = parse(workerSchema, raw);
  return {
    ...toShared(env),
    consumer: toConsumerConfig(env),
    metrics: toWorkerMetricsConfig(env),
    inspection: toInspectionConfig(env),
    thumbnails: toThumbnailsConfig(env),
    sweep: toSweepConfig(env),
    cdn: toCdnConfig(env),
    background: toBackgroundConfig(env),
    dlq: { ...toDlqConfig(env), alerts: toDlqAlertConfig(env), slack: toSlackConfig(env) },
  };
}

export function loadForwarderConfig(raw: NodeJS.ProcessEnv): ForwarderConfig {
  return toForwarderConfig(parse(forwarderAppEnv, raw));
}
