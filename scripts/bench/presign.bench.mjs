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
// BENCH_TARGETS=a,bare runs only (a) and the bare Fastify POST route, back to back: the pair the
// issue-21 target compares, for iterating on (a). Default: every target.
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'a,nest,b,bare,companion').split(','));
const wanted = (target) => TARGETS.has(target);

console.log('▶ emulator and resources');
const { env, emulator, resources } = await localResources();
const serverEnv = {
  ...env,
  UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
  UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  AWS_ENDPOINT_URL: emulator.endpoint,
};
const results = [];
const run = async (label, options) => {
  const result = await runAutocannon(label, { duration: DURATION, connections: CONNECTIONS, ...options });
  results.push(result);
  return result;
};
/** A short unrecorded run first, so JIT and connection pools are warm when the measured one starts. */
const warmThenRun = async (label, { pid, ...options }) => {
  await runAutocannon('warm-up', { ...options, duration: 2, connections: CONNECTIONS });
  return run(label, { ...options, pid });
};
// The upload's body without a token: what the do-nothing references (Nest, then Fastify) are sent.
const bodyOnlyRequest = {
  method: 'POST',
  path: '/v1/uploads',
  body: JSON.stringify({
    filename: 'photo.jpg',
    contentType: 'image/jpeg',
    size: 2_000_000,
    thumbnail: { contentType: 'image/webp', size: 20_000 },
  }),
  headers: { 'content-type': 'application/json' },
};

const byTarget = {};
/** Starts a build of this API, makes tokens for its users, and measures POST /v1/uploads on it. */
async function measureApi(label, distDir) {
  const apiPort = await freePort();
  const api = await startServer(
    'api',
    [join(distDir, 'apps/api/src/main.js')],
    {
      ...serverEnv,
      PORT: String(apiPort),
      API_METRICS_PORT: '0',
      UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
      MAX_PENDING_UPLOADS_PER_USER: '1000000',
      // e.g. `--cpu-prof --cpu-prof-dir=test-artifacts/profiles` to profile (a) under load.
      ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
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
    body: bodyOnlyRequest.body,
    setupRequest: (request) => ({
      ...request,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % tokens.length]}` },
    }),
  };
  const result = await warmThenRun(label, {
    url: `http://127.0.0.1:${apiPort}`,
    requests: [uploadRequest],
    pid: api.child.pid,
  });
  await api.stop();
  // Each (a) run starts from the same table: the rows of a run before it would make the pending
  // cap's count inside the INSERT slower, and so favour whichever build runs first.
  removedRows += await removeBenchUploads();
  return result;
}

let removedRows = 0;
async function removeBenchUploads() {
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  try {
    return (await db.query("DELETE FROM uploads WHERE user_id LIKE 'bench-%'")).rowCount;
  } finally {
    await db.end();
  }
}

// BENCH_BASELINE_DIST=<a copy of dist/ from another commit, inside this checkout so it finds
// node_modules>: that build's (a) runs right before this one's, for a before/after in one session.
if (process.env.BENCH_BASELINE_DIST) {
  console.log(`▶ (a) baseline build in ${process.env.BENCH_BASELINE_DIST}`);
  byTarget.aBaseline = await measureApi('(a) POST /v1/uploads, baseline build', process.env.BENCH_BASELINE_DIST);
}
if (wanted('a')) {
  console.log('▶ (a) this API: POST /v1/uploads');
  byTarget.a = await measureApi('(a) POST /v1/uploads (this API)', 'dist');
}

/** Starts `script` on a free port, measures one route of it (with its CPU), and stops it. */
async function measureServer(label, script, env, readyPath, request) {
  const port = await freePort();
  const server = await startServer(
    label,
    [script],
    { ...env, PORT: String(port) },
    `http://127.0.0.1:${port}${readyPath}`,
  );
  const result = await warmThenRun(label, {
    url: `http://127.0.0.1:${port}`,
    requests: [request],
    pid: server.child.pid,
  });
  await server.stop();
  return result;
}

if (wanted('bare')) {
  console.log('▶ reference: bare Fastify POST route that only parses its JSON body');
  byTarget.bare = await measureServer(
    '    bare Fastify POST, parses the JSON body (reference)',
    'scripts/bench/sdk-presign.server.mjs',
    serverEnv,
    '/json',
    { ...bodyOnlyRequest, path: '/echo' },
  );
}

if (wanted('nest')) {
  console.log('▶ reference: a Nest POST route that does nothing (the framework alone)');
  byTarget.nest = await measureServer(
    '    Nest POST route, no work (reference)',
    'scripts/bench/nest-minimal.server.mjs',
    {},
    '/',
    bodyOnlyRequest,
  );
}

if (wanted('b')) {
  console.log('▶ (b) bare Fastify + getSignedUrl');
  const sdkPort = await freePort();
  const sdk = await startServer(
    'sdk',
    ['scripts/bench/sdk-presign.server.mjs'],
    { ...serverEnv, PORT: String(sdkPort) },
    `http://127.0.0.1:${sdkPort}/json`,
  );
  const pid = sdk.child.pid;
  byTarget.b = await warmThenRun('(b) Fastify + getSignedUrl', {
    url: `http://127.0.0.1:${sdkPort}/presign`,
    method: 'POST',
    pid,
  });
  await run('    bare Fastify GET, returns JSON (reference)', { url: `http://127.0.0.1:${sdkPort}/json`, pid });
  byTarget.twoSignatures = await warmThenRun(
    '    bare Fastify POST, parses the body, makes two signatures (reference)',
    {
      url: `http://127.0.0.1:${sdkPort}`,
      requests: [{ ...bodyOnlyRequest, path: '/two-signatures' }],
      pid,
    },
  );
  await sdk.stop();
}

if (wanted('companion')) {
  console.log('▶ (c) @uppy/companion /s3/params');
  const companionPort = await freePort();
  const companion = await startServer(
    'companion',
    ['scripts/bench/companion.server.mjs'],
    { ...serverEnv, PORT: String(companionPort) },
    `http://127.0.0.1:${companionPort}/s3/params?filename=a.jpg&type=image/jpeg`,
  );
  const companionUrl = `http://127.0.0.1:${companionPort}/s3/params?filename=photo.jpg&type=image%2Fjpeg`;
  byTarget.c = await warmThenRun('(c) @uppy/companion /s3/params', { url: companionUrl, pid: companion.child.pid });
  await companion.stop();
}
await emulator.stop();

const { a, aBaseline, nest: nestAlone, b, bare, twoSignatures, c } = byTarget;
console.log(
  `\n${table(results, [
    ['target', 'label'],
    ['req/s', 'rps'],
    ['p50 ms', 'p50'],
    ['p99 ms', 'p99'],
    ['CPU µs/req', 'cpuUsPerRequest'],
    ['non-2xx', 'non2xx'],
    ['errors', 'errors'],
  ])}`,
);
const ratio = (x, y) => (x && y ? `${(x.rps / y.rps).toFixed(2)}×` : 'n/a');
const share = (x, y) => (x && y ? `${Math.round((100 * x.rps) / y.rps)} %` : 'n/a');
console.log(
  `\n(a)/bare POST = ${share(a, bare)} (target ≥ 50 %)   (a)/(c) = ${ratio(a, c)} (target ≥ 6×)   (a)/(b) = ${ratio(a, b)}`,
);
if (a && aBaseline) {
  console.log(
    `(a) against the baseline build: ${aBaseline.rps} → ${a.rps} req/s, ${aBaseline.cpuUsPerRequest} → ${a.cpuUsPerRequest} CPU µs/request`,
  );
}
if (a && bare) {
  console.log(
    `CPU per request: (a) ${a.cpuUsPerRequest} µs, bare POST ${bare.cpuUsPerRequest} µs (bare/(a) = ${Math.round((100 * bare.cpuUsPerRequest) / a.cpuUsPerRequest)} %)`,
  );
}
if (nestAlone && twoSignatures && bare) {
  console.log(
    `Doing nothing but reading the body, a Nest POST route serves ${nestAlone.rps} req/s here and a bare Fastify POST route ${bare.rps}, and one that also makes (a)'s two signatures ${twoSignatures.rps}.`,
  );
}
console.log(
  `${DURATION} s per target, ${CONNECTIONS} connections, ${USERS} users; removed ${removedRows} bench uploads.`,
);
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
writeFileSync(
  join(ROOT, 'test-artifacts', 'bench-presign.json'),
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
process.exit(0);
