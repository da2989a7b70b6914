import { envKeys } from './env-values';
import { authEnv } from './groups/auth.config';
import { awsEnv } from './groups/aws.config';
import { cdnEnv } from './groups/cdn.config';
import { consumerEnv } from './groups/consumer.config';
import { databaseEnv } from './groups/database.config';
import { dlqMonitorEnv } from './groups/dlq-monitor.config';
import { dlqEnv } from './groups/dlq.config';
import { erasureEnv } from './groups/erasure.config';
import { forwarderEnv } from './groups/forwarder.config';
import { inspectionEnv } from './groups/inspection.config';
import { apiMetricsEnv, logLevelEnv, requestLoggingEnv, workerMetricsEnv } from './groups/observability.config';
import { queueEnv, uploadsQueueEnv } from './groups/queue.config';
import { renderEnv } from './groups/render.config';
import { runtimeEnv } from './groups/runtime.config';
import { serverEnv } from './groups/server.config';
import { cdnBaseUrlEnv, storageEnv } from './groups/storage.config';
import { sweepEnv } from './groups/sweep.config';
import { thumbnailsEnv } from './groups/thumbnails.config';
import { uploadsEnv } from './groups/uploads.config';

// Which groups each process reads. Each group (libs/config/src/groups) holds its variables, their
// validation and their mapping to the typed config; the loaders (app-config.ts) and the
// containers' environments in infra both follow these compositions.

/** What the API and the worker both read. */
export const sharedEnv = awsEnv
  .merge(storageEnv)
  .merge(queueEnv)
  .merge(databaseEnv)
  .merge(logLevelEnv)
  .merge(dlqEnv)
  .merge(erasureEnv)
  .merge(runtimeEnv);

export const apiEnv = sharedEnv
  .merge(cdnBaseUrlEnv)
  .merge(serverEnv)
  .merge(uploadsEnv)
  .merge(authEnv)
  .merge(requestLoggingEnv)
  .merge(renderEnv)
  .merge(apiMetricsEnv);

export const workerEnv = sharedEnv
  .merge(consumerEnv)
  .merge(workerMetricsEnv)
  .merge(inspectionEnv)
  .merge(thumbnailsEnv)
  .merge(sweepEnv)
  .merge(cdnEnv)
  .merge(dlqMonitorEnv);

export const forwarderAppEnv = awsEnv.merge(uploadsQueueEnv).merge(forwarderEnv);

/** The erasure CLI only needs the database and the erasure keys, not the queues or S3. */
export const erasureCliEnv = databaseEnv.merge(erasureEnv).merge(runtimeEnv);

export const API_ENV_KEYS = envKeys(apiEnv);
export const WORKER_ENV_KEYS = envKeys(workerEnv);
export const FORWARDER_ENV_KEYS = envKeys(forwarderAppEnv);
export const ERASURE_CLI_ENV_KEYS = envKeys(erasureCliEnv);

export type ApiEnvKey = (typeof API_ENV_KEYS)[number];
export type WorkerEnvKey = (typeof WORKER_ENV_KEYS)[number];
export type ForwarderEnvKey = (typeof FORWARDER_ENV_KEYS)[number];
