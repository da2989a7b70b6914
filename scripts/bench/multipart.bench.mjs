// `npm run bench:multipart`: one real PNG of about 100 MiB (random pixels, under the pixel bound)
// through the local stack (API → S3 → forwarder → SQS → worker → Postgres), first as one single
// PUT (UPLOAD_MAX_BYTES raised for the run), then as a multipart upload with 4 parts in flight.
// Reports each upload's MB/s (bytes sent to S3 over the time from the first request to S3's last
// answer), the time to READY, and the API's and worker's peak RSS (VmHWM) in each mode: a fresh
// API and worker per mode, so each peak is that mode's own, next to the peak right after boot.
import '../use-node24.mjs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import sharp from 'sharp';
import { eachLimit, freePort, localResources, peakRssMb, startServer, table } from './bench-support.mjs';

const MiB = 1024 * 1024;
const SIDE = Number(process.env.BENCH_SIDE ?? 5900);
const PARTS_IN_FLIGHT = 4;
const PART_SIZE = 8 * MiB;

console.log(`▶ a ${SIDE} × ${SIDE} PNG of random pixels`);
const png = await sharp(randomBytes(SIDE * SIDE * 3), { raw: { width: SIDE, height: SIDE, channels: 3 } })
  .png({ compressionLevel: 1 })
  .toBuffer();
const megabytes = png.length / 1e6;
console.log(`  ${png.length} bytes (${(png.length / MiB).toFixed(1)} MiB), ${((SIDE * SIDE) / 1e6).toFixed(1)} MP`);

console.log('▶ emulator and resources (bench- prefix)');
const { env, emulator, resources } = await localResources({ prefix: 'bench-' });
const limit = String(Math.max(256 * MiB, png.length));
const serverEnv = {
  ...env,
  AWS_ENDPOINT_URL: emulator.endpoint,
  UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
  UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  // Raised for the run, so the same object can also go as one single PUT.
  UPLOAD_MAX_BYTES: limit,
  MULTIPART_MAX_BYTES: limit,
  MULTIPART_PART_SIZE_BYTES: String(PART_SIZE),
  LOG_LEVEL: 'warn',
};
const forwarder = await startServer(
  'forwarder',
  ['dist/tools/local-stack/lambda-runner.main.js'],
  { ...serverEnv, S3_EVENTS_QUEUE_URL: resources.eventsQueueUrl },
  `${emulator.endpoint.replace(/\/$/, '')}/_localstack/health`,
);

async function startProcesses() {
  const apiPort = await freePort();
  const metricsPort = await freePort();
  const api = await startServer(
    'api',
    ['dist/apps/api/src/main.js'],
    { ...serverEnv, PORT: String(apiPort), API_METRICS_PORT: '0' },
    `http://127.0.0.1:${apiPort}/healthz`,
  );
  const worker = await startServer(
    'worker',
    ['dist/apps/worker/src/main.js'],
    { ...serverEnv, WORKER_METRICS_PORT: String(metricsPort) },
    `http://127.0.0.1:${metricsPort}/healthz`,
  );
  const base = `http://127.0.0.1:${apiPort}`;
  const response = await fetch(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'bench-multipart' }),
  });
  const { token } = await response.json();
  const call = async (method, path, body) => {
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  const boot = { api: peakRssMb(api.child.pid), worker: peakRssMb(worker.child.pid) };
  return { api, worker, call, boot };
}

/** Long-polls the verdict (GET /v1/uploads/:id?wait=20), printing the status while it waits. */
async function verdict(call, uploadId) {
  for (;;) {
    const status = await call('GET', `/v1/uploads/${uploadId}?wait=20`);
    if (status.status !== 'PENDING') return status;
    console.log(`  … ${status.status}`);
  }
}

async function singlePut(call) {
  const session = await call('POST', '/v1/uploads', {
    filename: 'bench.png',
    contentType: 'image/png',
    size: png.length,
    multipart: false,
  });
  console.log('  PUT the whole object');
  const started = Date.now();
  const response = await fetch(session.original.url, { method: 'PUT', headers: session.original.headers, body: png });
  if (response.status !== 200) throw new Error(`PUT ${response.status} ${await response.text()}`);
  return { uploadId: session.uploadId, started, uploaded: Date.now() };
}

async function multipart(call) {
  const session = await call('POST', '/v1/uploads', {
    filename: 'bench.png',
    contentType: 'image/png',
    size: png.length,
    multipart: true,
  });
  const { uploadId, partSize, partCount } = session.multipart;
  console.log(`  ${partCount} parts of ${(partSize / MiB).toFixed(0)} MiB, ${PARTS_IN_FLIGHT} in flight`);
  const started = Date.now();
  const eTags = new Map();
  await eachLimit(
    [...Array(partCount).keys()].map((i) => i + 1),
    PARTS_IN_FLIGHT,
    async (n) => {
      const signed = await call('POST', '/v1/uploads/sign', {
        method: 'PUT',
        key: session.key,
        uploadId,
        partNumber: n,
      });
      const body = png.subarray((n - 1) * partSize, n * partSize);
      const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
      if (response.status !== 200) throw new Error(`part ${n}: ${response.status} ${await response.text()}`);
      eTags.set(n, response.headers.get('etag'));
      console.log(`  part ${n}/${partCount} (${eTags.size} done)`);
    },
  );
  const signed = await call('POST', '/v1/uploads/sign', { method: 'POST', key: session.key, uploadId });
  const parts = [...eTags].sort(([a], [b]) => a - b);
  const response = await fetch(signed.url, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', ...signed.headers },
    body: `<CompleteMultipartUpload>${parts
      .map(([n, eTag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${eTag}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`,
  });
  if (response.status !== 200) throw new Error(`complete: ${response.status} ${await response.text()}`);
  return { uploadId: session.uploadId, started, uploaded: Date.now() };
}

const rows = [];
for (const [mode, upload] of [
  ['single PUT', singlePut],
  [`multipart, ${PARTS_IN_FLIGHT} parts in flight`, multipart],
]) {
  console.log(`▶ ${mode}: a fresh API and worker`);
  const processes = await startProcesses();
  const { uploadId, started, uploaded } = await upload(processes.call);
  const seconds = (uploaded - started) / 1000;
  console.log(`  uploaded in ${seconds.toFixed(1)} s; waiting for the verdict`);
  const settled = await verdict(processes.call, uploadId);
  const ready = (Date.now() - uploaded) / 1000;
  if (settled.status !== 'READY') throw new Error(`${mode}: ${settled.status} ${JSON.stringify(settled.rejection)}`);
  rows.push({
    mode,
    rate: `${(megabytes / seconds).toFixed(1)} MB/s`,
    ready: `${ready.toFixed(1)} s`,
    api: `${peakRssMb(processes.api.child.pid)} MB (boot ${processes.boot.api})`,
    worker: `${peakRssMb(processes.worker.child.pid)} MB (boot ${processes.boot.worker})`,
  });
  console.log(`  READY ${ready.toFixed(1)} s after the upload`);
  await Promise.all([processes.api.stop(), processes.worker.stop()]);
}
await forwarder.stop();
const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
await db.query("DELETE FROM uploads WHERE user_id = 'bench-multipart'");
await db.end();
await emulator.stop();

console.log(
  `\n${table(rows, [
    ['mode', 'mode'],
    [`upload (${megabytes.toFixed(1)} MB)`, 'rate'],
    ['upload → READY', 'ready'],
    ['API peak RSS', 'api'],
    ['worker peak RSS', 'worker'],
  ])}`,
);
process.exit(0);
