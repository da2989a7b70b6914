// `npm run bench:presign`: requests/s and p99 of (a) POST /v1/uploads of this API (auth,
// validation, rate limit, database row, two signatures), (b) a bare Fastify route calling
// getSignedUrl with an S3Client, (c) @uppy/companion's /s3/params — one run, one machine.
import '../use-node24.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, localResources, ROOT, runAutocannon, startServer, table } from './bench-support.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const USERS = 200;

console.log('▶ emulator and resources');
const { env, emulator, resources } = await localResources();
const serverEnv = {
  ...env,
  UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
  UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  AWS_ENDPOINT_URL: emulator.endpoint,
};
const results = [];
const run = (label, options) =>
  runAutocannon(label, { duration: DURATION, connections: CONNECTIONS, ...options }).then((r) => results.push(r));
/** A short unrecorded run first, so JIT and connection pools are warm when the measured one starts. */
const warmThenRun = async (label, options) => {
  await runAutocannon('warm-up', { ...options, duration: 2, connections: CONNECTIONS });
  await run(label, options);
};

console.log('▶ (a) this API: POST /v1/uploads');
const apiPort = await freePort();
const api = await startServer(
  'api',
  ['dist/apps/api/src/main.js'],
  {
    ...serverEnv,
    PORT: String(apiPort),
    API_METRICS_PORT: '0',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_PENDING_UPLOADS_PER_USER: '1000000',
  },
  `http://127.0.0.1:${apiPort}/healthz`,
);
const tokens = [];
for (let i = 0; i < USERS; i++) {
  const response = await fetch(`http://127.0.0.1:${apiPort}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: `bench-${i}` }),
  });
  tokens.push((await response.json()).token);
}
let next = 0;
const uploadRequest = {
  method: 'POST',
  path: '/v1/uploads',
  body: JSON.stringify({
    filename: 'photo.jpg',
    contentType: 'image/jpeg',
    size: 2_000_000,
    thumbnail: { contentType: 'image/webp', size: 20_000 },
  }),
  setupRequest: (request) => ({
    ...request,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % tokens.length]}` },
  }),
};
await warmThenRun('(a) POST /v1/uploads (this API)', { url: `http://127.0.0.1:${apiPort}`, requests: [uploadRequest] });
await api.stop();

console.log('▶ reference: a Nest POST route that does nothing (the framework alone)');
const nestPort = await freePort();
const nest = await startServer(
  'nest',
  ['scripts/bench/nest-minimal.server.mjs'],
  { PORT: String(nestPort) },
  `http://127.0.0.1:${nestPort}/`,
);
// The upload's body without a token: what the do-nothing references (Nest, then Fastify) are sent.
const bodyOnlyRequest = {
  method: 'POST',
  path: '/v1/uploads',
  body: uploadRequest.body,
  headers: { 'content-type': 'application/json' },
};
await warmThenRun('    Nest POST route, no work (reference)', {
  url: `http://127.0.0.1:${nestPort}`,
  requests: [bodyOnlyRequest],
});
await nest.stop();

console.log('▶ (b) bare Fastify + getSignedUrl');
const sdkPort = await freePort();
const sdk = await startServer(
  'sdk',
  ['scripts/bench/sdk-presign.server.mjs'],
  { ...serverEnv, PORT: String(sdkPort) },
  `http://127.0.0.1:${sdkPort}/json`,
);
await warmThenRun('(b) Fastify + getSignedUrl', { url: `http://127.0.0.1:${sdkPort}/presign`, method: 'POST' });
await run('    bare Fastify GET, returns JSON (reference)', { url: `http://127.0.0.1:${sdkPort}/json` });
await warmThenRun('    bare Fastify POST, parses the JSON body (reference)', {
  url: `http://127.0.0.1:${sdkPort}`,
  requests: [{ ...bodyOnlyRequest, path: '/echo' }],
});
await warmThenRun('    bare Fastify POST, parses the body, makes two signatures (reference)', {
  url: `http://127.0.0.1:${sdkPort}`,
  requests: [{ ...bodyOnlyRequest, path: '/two-signatures' }],
});
await sdk.stop();

console.log('▶ (c) @uppy/companion /s3/params');
const companionPort = await freePort();
const companion = await startServer(
  'companion',
  ['scripts/bench/companion.server.mjs'],
  { ...serverEnv, PORT: String(companionPort) },
  `http://127.0.0.1:${companionPort}/s3/params?filename=a.jpg&type=image/jpeg`,
);
const companionUrl = `http://127.0.0.1:${companionPort}/s3/params?filename=photo.jpg&type=image%2Fjpeg`;
await warmThenRun('(c) @uppy/companion /s3/params', { url: companionUrl });
await companion.stop();
await emulator.stop();

const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
const removed = await db.query("DELETE FROM uploads WHERE user_id LIKE 'bench-%'");
await db.end();

const [a, nestAlone, b, , fastifyPost, twoSignatures, c] = results;
console.log(
  `\n${table(results, [
    ['target', 'label'],
    ['req/s', 'rps'],
    ['p50 ms', 'p50'],
    ['p99 ms', 'p99'],
    ['non-2xx', 'non2xx'],
    ['errors', 'errors'],
  ])}`,
);
console.log(
  `\n(a)/(b) = ${(a.rps / b.rps).toFixed(2)}× (target ≥ 5×)   (a)/(c) = ${(a.rps / c.rps).toFixed(2)}× (target ≥ 10×)`,
);
console.log(
  `The targets need (a) ≥ ${Math.round(Math.max(5 * b.rps, 10 * c.rps))} req/s; doing nothing but reading the body, a Nest POST route serves ${nestAlone.rps} here and a bare Fastify POST route ${fastifyPost.rps}, and one that also makes (a)'s two signatures ${twoSignatures.rps}.`,
);
console.log(
  `${DURATION} s per target, ${CONNECTIONS} connections, ${USERS} users; removed ${removed.rowCount} bench uploads.`,
);
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
writeFileSync(
  join(ROOT, 'test-artifacts', 'bench-presign.json'),
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
process.exit(0);
