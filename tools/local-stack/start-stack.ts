import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createSqsClient } from '@lib/queue';
import { createS3Client } from '@lib/storage';
import { bootstrapResources, localBootstrapOptions } from './bootstrap';
import { startEmulator, stopChild } from './emulator';
import { localEnv, ROOT } from './local-env';
import { createPrefixer } from './log-prefixer';

interface Service {
  name: string;
  entry: string;
  env?: Record<string, string>;
}

/**
 * `npm start`: the whole stack in the foreground: emulator, resources, API, worker and the
 * Lambda stand-in, with prefixed logs. Ctrl-C stops every process, children first.
 */
async function main(): Promise<void> {
  const env = localEnv(process.env);
  const endpoint = new URL(env.AWS_ENDPOINT_URL!);
  const print = createPrefixer();
  const emulator = await startEmulator({
    host: endpoint.hostname,
    port: Number(endpoint.port || 80),
    // LocalStack logs every request; only failed ones are worth a line.
    onOutput: (line) => {
      if (!/localstack\.request\.\w+\s*: .* => [23]\d\d\b/.test(line)) print('emulator')(line);
    },
  });
  print('stack')(`emulator ready at ${emulator.endpoint}${emulator.process ? '' : ' (already running, reused)'}`);

  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
  });
  const aws = { region: env.AWS_REGION!, endpoint: emulator.endpoint, forcePathStyle: true };
  const s3: S3Client = createS3Client(aws);
  const resources = await bootstrapResources(localBootstrapOptions(env, { s3, sqs: createSqsClient(aws) }));
  print('stack')(
    `buckets ${resources.originalsBucket}, ${resources.thumbnailsBucket}; queue ${resources.uploadsQueueUrl}`,
  );

  const shared = {
    ...process.env,
    ...env,
    UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
    UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  };
  const services: Service[] = [
    { name: 'api', entry: 'dist/apps/api/src/main.js' },
    { name: 'worker', entry: 'dist/apps/worker/src/main.js' },
    {
      name: 'forwarder',
      entry: 'dist/tools/local-stack/lambda-runner.main.js',
      env: { S3_EVENTS_QUEUE_URL: resources.eventsQueueUrl },
    },
  ];
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    print('stack')('stopping: api, worker and forwarder first, then the emulator');
    await Promise.all([...children.values()].map((child) => stopChild(child, 30_000)));
    await emulator.stop();
    print('stack')('stopped');
    process.exit(code);
  };

  for (const service of services) {
    const child = spawn(process.execPath, ['--enable-source-maps', join(ROOT, service.entry)], {
      cwd: ROOT,
      env: { ...shared, ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = print(service.name);
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(out));
    child.stderr?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(out));
    child.on('exit', (code, signal) => {
      if (stopping) return;
      print('stack')(`${service.name} exited (${signal ?? code}); stopping the stack`);
      void stopAll(1);
    });
    children.set(service.name, child);
  }
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const base = `http://${env.HOST}:${env.PORT}`;
  await waitForHttp(`${base}/healthz`, 30_000);
  print('stack')(
    [
      '',
      `  Web client    ${base}/`,
      `  API           ${base}`,
      `  OpenAPI docs  ${base}/docs   (JSON: ${base}/docs/json)`,
      `  Dev token     curl -s -X POST ${base}/v1/dev/token -H 'content-type: application/json' -d '{"userId":"alice"}'`,
      `  Readiness     ${base}/readyz`,
      `  Emulator      ${emulator.endpoint}  (S3 + SQS, LocalStack)`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

main().catch((error: unknown) => {
  console.error(`[stack] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
