// `npm run bench:pipeline`: N real JPEGs through API → S3 → forwarder → SQS → worker → Postgres,
// and, in the same run, the emulator's own receive+delete rate for N messages (the ceiling).
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import sharp from 'sharp';
import { eachLimit, freePort, localResources, peakRssMb, percentile, startServer, table } from './bench-support.mjs';

const N = Number(process.env.BENCH_IMAGES ?? 1000);
const PUT_CONCURRENCY = 32;

console.log(`▶ emulator and resources (bench- prefix), ${N} images`);
const { env, emulator, resources, sqs } = await localResources({ prefix: 'bench-' });
const serverEnv = {
  ...env,
  AWS_ENDPOINT_URL: emulator.endpoint,
  UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
  UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
  MAX_PENDING_UPLOADS_PER_USER: '1000000',
  LOG_LEVEL: 'warn',
};
const apiPort = await freePort();
const api = await startServer(
  'api',
  ['dist/apps/api/src/main.js'],
  { ...serverEnv, PORT: String(apiPort) },
  `http://127.0.0.1:${apiPort}/healthz`,
);
const metricsPort = await freePort();
const worker = await startServer(
  'worker',
  ['dist/apps/worker/src/main.js'],
  { ...serverEnv, WORKER_METRICS_PORT: String(metricsPort) },
  `http://127.0.0.1:${metricsPort}/healthz`,
);
const forwarder = await startServer(
  'forwarder',
  ['dist/tools/local-stack/lambda-runner.main.js'],
  { ...serverEnv, S3_EVENTS_QUEUE_URL: resources.eventsQueueUrl },
  `http://127.0.0.1:${apiPort}/healthz`,
);

const base = `http://127.0.0.1:${apiPort}`;
const token = (
  await (
    await fetch(`${base}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'bench-pipeline' }),
    })
  ).json()
).token;
const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#4477aa' } })
  .jpeg()
  .toBuffer();
console.log(`▶ creating ${N} upload sessions`);
const sessions = [];
await eachLimit([...Array(N).keys()], PUT_CONCURRENCY, async () => {
  const response = await fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'bench.jpg', contentType: 'image/jpeg', size: jpeg.length }),
  });
  sessions.push(await response.json());
});

console.log(`▶ PUT ${N} JPEGs (${jpeg.length} bytes each) straight to S3, ${PUT_CONCURRENCY} at a time`);
const putDone = new Map();
const firstPut = Date.now();
let progress = 0;
await eachLimit(sessions, PUT_CONCURRENCY, async (session) => {
  const response = await fetch(session.original.url, { method: 'PUT', headers: session.original.headers, body: jpeg });
  if (response.status !== 200) throw new Error(`PUT ${response.status}`);
  putDone.set(session.uploadId, Date.now());
  if (++progress % 250 === 0) console.log(`  ${progress}/${N} uploaded`);
});

const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
const ids = sessions.map((s) => s.uploadId);
let ready = [];
const deadline = Date.now() + 10 * 60 * 1000;
while (Date.now() < deadline) {
  const result = await db.query(
    "SELECT id, extract(epoch from updated_at) * 1000 AS at, status FROM uploads WHERE id = ANY($1::uuid[]) AND status <> 'PENDING'",
    [ids],
  );
  ready = result.rows;
  if (process.stdout.isTTY) process.stdout.write(`\r  ${ready.length}/${N} judged`);
  if (ready.length === N) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
console.log('');
const workerRss = peakRssMb(worker.child.pid);
const lastReady = Math.max(...ready.map((r) => Number(r.at)));
const latencies = ready.map((r) => Number(r.at) - putDone.get(r.id));
const pipelineRate = N / ((lastReady - firstPut) / 1000);
await Promise.all([forwarder.stop(), worker.stop(), api.stop()]);
await db.query("DELETE FROM uploads WHERE user_id = 'bench-pipeline'");
await db.end();

console.log(`▶ raw emulator rate: send ${N} messages, then receive (10 at a time) + delete each`);
const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
const rawQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-raw-${Date.now()}` }))).QueueUrl;
for (let i = 0; i < N; i += 10) {
  const entries = Array.from({ length: Math.min(10, N - i) }, (_, j) => ({
    Id: String(j),
    MessageBody: JSON.stringify({ i: i + j }),
  }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: rawQueue, Entries: entries }));
}
const rawStart = Date.now();
let consumed = 0;
while (consumed < N) {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: rawQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  await Promise.all(
    (out.Messages ?? []).map((m) =>
      sqs.send(new DeleteMessageCommand({ QueueUrl: rawQueue, ReceiptHandle: m.ReceiptHandle })),
    ),
  );
  consumed += out.Messages?.length ?? 0;
}
const rawRate = N / ((Date.now() - rawStart) / 1000);
await emulator.stop();

const rows = [
  { what: 'pipeline (first PUT → last READY)', value: `${pipelineRate.toFixed(1)} images/s` },
  { what: 'emulator receive+delete (ceiling)', value: `${rawRate.toFixed(1)} messages/s` },
  { what: 'pipeline / ceiling', value: `${((pipelineRate / rawRate) * 100).toFixed(0)} % (target ≥ 80 %)` },
  {
    what: 'PUT → READY p50 / p95 / p99',
    value: `${percentile(latencies, 50)} / ${percentile(latencies, 95)} / ${percentile(latencies, 99)} ms`,
  },
  { what: 'worker peak RSS', value: `${workerRss} MB (target < 300 MB)` },
];
console.log(
  `\n${table(rows, [
    ['measure', 'what'],
    ['value', 'value'],
  ])}`,
);
console.log(`${N} images, ${ready.filter((r) => r.status === 'READY').length} READY.`);
process.exit(0);
