import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadApiConfig, loadWorkerConfig } from '@lib/config';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { isolatedDatabase } from './database';
import { createS3Client } from '@lib/storage';
import { testAws, uniqueName } from '@lib/testing';
import { ApiMetricsServer } from '../../apps/api/src/observability/metrics.server';
import { createApiApp } from '../../apps/api/src/app.factory';
import { ConsumerDrainService } from '../../apps/worker/src/consumer-drain.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { bootstrapResources, StackResources } from '../../tools/local-stack/bootstrap';
import { LocalLambdaRunner, S3Handler } from '../../tools/local-stack/lambda-runner';
import { FORWARDER_BUNDLE, LOCAL_JWT_SECRET } from '../../tools/local-stack/local-env';

export interface TestStackOptions {
  api?: boolean;
  worker?: boolean;
  forwarder?: boolean;
  maxReceiveCount?: number;
  /**
   * A database of this stack's own. Workers sweep every READY or PENDING upload they find, so
   * stacks of other test files sharing a database would make thumbnails into their own buckets
   * or expire uploads whose objects they cannot see; tests that rely on the sweep opt in.
   */
  ownDatabase?: boolean;
  env?: Record<string, string>;
  /** Origins the buckets' CORS rule allows (a browser test allows its own page's origin). */
  webOrigins?: string[];
  /** Listen here instead of a free port, for a caller that must know the origin before start. */
  apiPort?: number;
}

export interface TestStack {
  resources: StackResources;
  env: NodeJS.ProcessEnv;
  s3: S3Client;
  sqs: SQSClient;
  queue: QueueRepository;
  apiUrl: string;
  /** The API's Prometheus listener, apart from the public one. */
  apiMetricsUrl: string;
  api?: NestFastifyApplication;
  worker?: INestApplicationContext;
  startWorker(): Promise<INestApplicationContext>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Loads the Lambda bundle fresh, with this stack's queue URL in its module-level config. */
export function loadForwarderBundle(env: NodeJS.ProcessEnv): S3Handler {
  if (!existsSync(FORWARDER_BUNDLE)) throw new Error(`${FORWARDER_BUNDLE} is missing: run \`npm run build:lambda\``);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let handler: S3Handler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(FORWARDER_BUNDLE) as { handler: S3Handler }).handler;
    });
    return handler!;
  } finally {
    process.env = saved;
  }
}

/**
 * The real parts, in this process: LocalStack (started by the global setup), a bucket pair and
 * queues of this test file's own, the API listening on a free port, the worker consuming,
 * and the Lambda stand-in running the forwarder bundle.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const aws = testAws();
  const s3 = createS3Client(aws);
  const sqs = createSqsClient(aws);
  const queue = new QueueRepository(sqs);
  const resources = await bootstrapResources({
    s3,
    sqs,
    originalsBucket: uniqueName('orig'),
    thumbnailsBucket: uniqueName('thumb'),
    queuePrefix: uniqueName('t') + '-',
    webOrigins: options.webOrigins ?? ['http://127.0.0.1:3000'],
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: 30,
  });
  const database = options.ownDatabase ? await isolatedDatabase(uniqueName('stack').replace('-', '_')) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(database ? { DATABASE_URL: database.url } : {}),
    S3_ORIGINALS_BUCKET: resources.originalsBucket,
    S3_THUMBNAILS_BUCKET: resources.thumbnailsBucket,
    UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
    UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
    AUTH_JWT_SECRET: LOCAL_JWT_SECRET,
    DEV_TOKEN_ENABLED: 'true',
    HOST: '127.0.0.1',
    PORT: '0',
    WORKER_WAIT_TIME_SECONDS: '1',
    WORKER_METRICS_PORT: '0',
    API_METRICS_PORT: '0',
    WORKER_SHUTDOWN_GRACE_SECONDS: '10',
    ...options.env,
  };

  let api: NestFastifyApplication | undefined;
  let apiUrl = '';
  let apiMetricsUrl = '';
  if (options.api !== false) {
    api = await createApiApp(loadApiConfig(env));
    await api.listen({ host: '127.0.0.1', port: options.apiPort ?? 0 });
    apiUrl = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
    apiMetricsUrl = `http://127.0.0.1:${api.get(ApiMetricsServer).port}/metrics`;
  }

  let runner: LocalLambdaRunner | undefined;
  const stack: TestStack = {
    resources,
    env,
    s3,
    sqs,
    queue,
    apiUrl,
    apiMetricsUrl,
    api,
    async startWorker() {
      const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(loadWorkerConfig(env)), {
        logger: false,
      });
      await worker.init();
      stack.worker = worker;
      return worker;
    },
    async stopWorker() {
      if (!stack.worker) return;
      await stack.worker.get(ConsumerDrainService).drain(10_000);
      await stack.worker.close();
      stack.worker = undefined;
    },
    async stop() {
      await runner?.stop();
      await stack.stopWorker();
      await api?.close();
      await database?.drop();
      s3.destroy();
      sqs.destroy();
    },
  };
  try {
    if (options.worker !== false) await stack.startWorker();
  } catch (error) {
    // A half-started stack would keep the API listening and hang the test run.
    await stack.stop();
    throw error;
  }

  if (options.forwarder !== false) {
    runner = new LocalLambdaRunner({
      queue,
      eventsQueueUrl: resources.eventsQueueUrl,
      onFailureQueueUrl: resources.deadLetterQueueUrl,
      handler: loadForwarderBundle(env),
      retryDelaysMs: [50, 100],
    });
    runner.start();
  }
  return stack;
}

export async function devToken(apiUrl: string, userId: string, roles: string[] = []): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, roles }),
  });
  if (!response.ok) throw new Error(`dev token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}
