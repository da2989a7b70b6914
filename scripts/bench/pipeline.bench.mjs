// `npm run bench:pipeline`: N real JPEGs through API → S3 → forwarder → SQS queued before the
// worker starts, then drained by it (the worker's own rate); right after, the emulator's own
// receive+delete rate for N queued messages (the ceiling the worker's rate is compared with); then
// N more through API → S3 → forwarder → SQS → worker → Postgres with the worker running (end to end).
import '../use-node24.mjs';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import pg from 'pg';
import sharp from 'sharp';
import {
  cpuSeconds,
  eachLimit,
  freePort,
  localResources,
  peakRssMb,
  percentile,
  startServer,
  table,
} from './bench-support.mjs';

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
  { ...serverEnv, PORT: String(apiPort), API_METRICS_PORT: '0' },
  `http://127.0.0.1:${apiPort}/healthz`,
);
const metricsPort = await freePort();
const startWorker = () =>
  startServer(
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
const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();

async function createSessions() {
  console.log(`  creating ${N} upload sessions`);
  const sessions = [];
  await eachLimit([...Array(N).keys()], PUT_CONCURRENCY, async () => {
    const response = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'bench.jpg', contentType: 'image/jpeg', size: jpeg.length }),
    });
    sessions.push(await response.json());
  });
  return sessions;
}

/** PUTs every session's JPEG; returns when each PUT finished, by upload id. */
async function putAll(sessions) {
  console.log(`  PUT ${N} JPEGs (${jpeg.length} bytes each) straight to S3, ${PUT_CONCURRENCY} at a time`);
  const putDone = new Map();
  let progress = 0;
  await eachLimit(sessions, PUT_CONCURRENCY, async (session) => {
    const response = await fetch(session.original.url, {
      method: 'PUT',
      headers: session.original.headers,
      body: jpeg,
    });
    if (response.status !== 200) throw new Error(`PUT ${response.status}`);
    putDone.set(session.uploadId, Date.now());
    if (++progress % 250 === 0) console.log(`  ${progress}/${N} uploaded`);
  });
  return putDone;
}

/** Waits until every upload has a verdict; returns each one's verdict time and status. */
async function judged(sessions) {
  const ids = sessions.map((s) => s.uploadId);
  const deadline = Date.now() + 10 * 60 * 1000;
  let rows = [];
  while (Date.now() < deadline) {
    const result = await db.query(
      "SELECT id, extract(epoch from updated_at) * 1000 AS at, status FROM uploads WHERE id = ANY($1::uuid[]) AND status <> 'PENDING'",
      [ids],
    );
    rows = result.rows.map((r) => ({ ...r, at: Number(r.at) }));
    if (process.stdout.isTTY) process.stdout.write(`\r  ${rows.length}/${N} judged`);
    if (rows.length === N) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (rows.length < N) throw new Error(`only ${rows.length}/${N} uploads were judged within 10 minutes`);
  return rows;
}

// The emulator's CPU per message and how busy it was (CPU s per wall s; one Python interpreter, so
// about 1 at most): the same figures for the drain and the raw loop show whether it did more work
// per message for the worker or sat waiting for it. Unknown when the bench reused an emulator it
// did not start.
const emulatorPid = emulator.process?.pid;
const emulatorUse = (cpu, seconds) => ({ msPerMessage: (cpu * 1000) / N, busy: cpu / seconds });
const showEmulatorUse = ({ msPerMessage, busy }) =>
  Number.isNaN(busy) ? 'n/a' : `${msPerMessage.toFixed(1)} ms/message, busy ${(busy * 100).toFixed(0)} %`;

async function queued(queueUrl) {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** The emulator's own rate for N queued messages: one receive of 10 at a time, then a delete of each. */
async function measureRawRate() {
  console.log(`▶ raw emulator rate: send ${N} messages, then receive (10 at a time) + delete each`);
  const rawQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-raw-${Date.now()}` }))).QueueUrl;
  for (let i = 0; i < N; i += 10) {
    const entries = Array.from({ length: Math.min(10, N - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({ i: i + j }),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: rawQueue, Entries: entries }));
  }
  const rawStart = Date.now();
  const emulatorCpuStart = cpuSeconds(emulatorPid);
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
  const seconds = (Date.now() - rawStart) / 1000;
  return { rate: N / seconds, emulatorUse: emulatorUse(cpuSeconds(emulatorPid) - emulatorCpuStart, seconds) };
}

console.log(`▶ the worker's own rate: ${N} messages queued while it is stopped, then drained`);
const drainSessions = await createSessions();
await putAll(drainSessions);
const queueDeadline = Date.now() + 10 * 60 * 1000;
while ((await queued(resources.uploadsQueueUrl)) < N) {
  if (Date.now() > queueDeadline) throw new Error('the forwarder did not queue every event within 10 minutes');
  await new Promise((resolve) => setTimeout(resolve, 500));
}
// From spawn, so the worker's boot counts against it. This phase comes first so that the queue
// holds these N messages and nothing else (no thumbnails or renditions left over from earlier work).
console.log(`  ${N} messages queued; starting the worker`);
const drainStart = Date.now();
const emulatorCpuDrainStart = cpuSeconds(emulatorPid);
let worker = await startWorker();
const workerBootSeconds = (Date.now() - drainStart) / 1000;
const workerBootCpu = cpuSeconds(worker.child.pid);
const drained = await judged(drainSessions);
const drainSeconds = (Math.max(...drained.map((r) => r.at)) - drainStart) / 1000;
const drainEmulator = emulatorUse(cpuSeconds(emulatorPid) - emulatorCpuDrainStart, drainSeconds);
const workerCpu = cpuSeconds(worker.child.pid);
const workerRate = N / drainSeconds;
const rssDrain = peakRssMb(worker.child.pid);
// The rate counts N; the worker's own counter shows whether it handled anything besides them.
const drainProcessed = (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
  .split('\n')
  .filter((line) => line.startsWith('worker_messages_processed_total'))
  .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
await worker.stop();

// Right after the drain, with the same processes up but for the worker: the ceiling drifts with
// the machine's load over a run, so it is taken as close to the drain as it can be.
const { rate: rawRate, emulatorUse: rawEmulator } = await measureRawRate();

console.log(`▶ end to end: first PUT → last READY, worker running`);
worker = await startWorker();
const endToEndSessions = await createSessions();
const firstPut = Date.now();
const putDone = await putAll(endToEndSessions);
const endToEnd = await judged(endToEndSessions);
const lastReady = Math.max(...endToEnd.map((r) => r.at));
const latencies = endToEnd.map((r) => r.at - putDone.get(r.id));
const pipelineRate = N / ((lastReady - firstPut) / 1000);
const rssEndToEnd = peakRssMb(worker.child.pid);

const ready = [...endToEnd, ...drained].filter((r) => r.status === 'READY').length;
await Promise.all([forwarder.stop(), worker.stop(), api.stop()]);
await db.query("DELETE FROM uploads WHERE user_id = 'bench-pipeline'");
await db.end();

await emulator.stop();

const rows = [
  { what: 'end to end (first PUT → last READY)', value: `${pipelineRate.toFixed(1)} images/s` },
  { what: `worker draining ${N} queued messages`, value: `${workerRate.toFixed(1)} images/s` },
  { what: 'messages the worker processed in that time', value: String(drainProcessed) },
  { what: 'worker boot within it (spawn → /healthz)', value: `${workerBootSeconds.toFixed(1)} s` },
  { what: 'worker CPU in it (boot included)', value: `${workerCpu.toFixed(1)} s` },
  {
    what: 'worker CPU per message (boot excluded)',
    value: `${(((workerCpu - workerBootCpu) * 1000) / N).toFixed(1)} ms (boot ${workerBootCpu.toFixed(1)} s)`,
  },
  { what: 'emulator during the drain', value: showEmulatorUse(drainEmulator) },
  { what: 'emulator during the raw loop', value: showEmulatorUse(rawEmulator) },
  { what: `emulator receive+delete of ${N} queued (ceiling)`, value: `${rawRate.toFixed(1)} messages/s` },
  { what: 'worker / ceiling', value: `${((workerRate / rawRate) * 100).toFixed(0)} % (target ≥ 80 %)` },
  { what: 'end to end / ceiling', value: `${((pipelineRate / rawRate) * 100).toFixed(0)} %` },
  {
    what: 'PUT → READY p50 / p95 / p99 (end to end)',
    value: `${percentile(latencies, 50)} / ${percentile(latencies, 95)} / ${percentile(latencies, 99)} ms`,
  },
  { what: 'worker peak RSS', value: `${Math.max(rssEndToEnd, rssDrain)} MB (target < 300 MB)` },
];
console.log(
  `\n${table(rows, [
    ['measure', 'what'],
    ['value', 'value'],
  ])}`,
);
console.log(`${2 * N} images, ${ready} READY.`);
process.exit(0);
