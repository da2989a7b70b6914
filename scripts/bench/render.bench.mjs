// `npm run bench:render`: renders/s, p99 and peak RSS of (a) GET /v1/render/:token of this API
// (signature check, original from the emulator's S3 or the route's cache of recent originals,
// re-checked with a HEAD every RENDER_ORIGINAL_RECHECK_MS, limiter, sharp) under 50
// connections, and (b) sharp alone in a loop on the same 12 MP JPEG already in memory, with as
// many renders in flight as the route allows (the ceiling) — one run, one machine.
import '../use-node24.mjs';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import autocannon from 'autocannon';
import sharp from 'sharp';
import {
  freePort,
  localResources,
  peakRssMb,
  percentile,
  ROOT,
  runAutocannon,
  startServer,
  table,
} from './bench-support.mjs';

const require = createRequire(import.meta.url);
const { RenderSigner, encodeSourceToken } = require(join(ROOT, 'dist/apps/api/src/render/render-signer.js'));
const { canonicalQuery, paramsFromQuery } = require(join(ROOT, 'dist/apps/api/src/render/render-params.js'));
const { renderResized } = require(join(ROOT, 'dist/libs/imaging/src/index.js'));

const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CONCURRENCY = Number(process.env.RENDER_CONCURRENCY ?? 2);
const SECRET = 'bench-render-signing-secret-0123456789abcdef';
const SIZES = [
  { w: 320, fmt: 'webp' },
  { w: 640, fmt: 'webp' },
  { w: 1024, fmt: 'jpeg' },
  { w: 1600, fmt: 'webp' },
  { w: 400, h: 400, fit: 'cover', fmt: 'jpeg' },
];

/** A 12 MP photo-like JPEG: gradients plus noise, so the encoder has real work (about 5 MB). */
async function twelveMegapixelJpeg() {
  const width = 4000;
  const height = 3000;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 1;
  for (let i = 0, p = 0; i < width * height; i++, p += 3) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const x = i % width;
    const y = (i / width) | 0;
    const noise = seed % 48;
    pixels[p] = ((x * 255) / width + noise) & 0xff;
    pixels[p + 1] = ((y * 255) / height + noise) & 0xff;
    pixels[p + 2] = (((x + y) * 127) / (width + height) + noise) & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

console.log('▶ emulator, resources and a 12 MP JPEG');
const { env, emulator, resources, s3 } = await localResources({ prefix: 'bench-render-' });
const jpeg = await twelveMegapixelJpeg();
const key = `originals/bench-render/${randomUUID()}`;
const put = await s3.send(
  new PutObjectCommand({ Bucket: resources.originalsBucket, Key: key, Body: jpeg, ContentType: 'image/jpeg' }),
);
const token = encodeSourceToken({ key, eTag: put.ETag.replace(/"/g, '') });
const signer = new RenderSigner(SECRET);
const exp = Math.floor(Date.now() / 1000) + 3600;
const paths = SIZES.map((size) => {
  const query = canonicalQuery(
    paramsFromQuery({ w: String(size.w), h: size.h && String(size.h), fit: size.fit, fmt: size.fmt }, 4096),
  );
  return `/v1/render/${token}?${query}&exp=${exp}&sig=${signer.sign(token, query, exp)}`;
});

console.log(`▶ (a) this API: GET /v1/render, ${CONNECTIONS} connections, RENDER_CONCURRENCY=${CONCURRENCY}`);
const apiPort = await freePort();
const api = await startServer(
  'api',
  ['dist/apps/api/src/main.js'],
  {
    ...env,
    UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
    UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
    AWS_ENDPOINT_URL: emulator.endpoint,
    PORT: String(apiPort),
    API_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    RENDER_SIGNING_SECRET: SECRET,
    RENDER_CONCURRENCY: String(CONCURRENCY),
    // Every connection waits its turn: the run measures throughput, not how fast 503s are.
    RENDER_QUEUE_MAX: String(CONNECTIONS),
    RENDER_TIMEOUT_MS: '60000',
  },
  `http://127.0.0.1:${apiPort}/healthz`,
);
let next = 0;
const requests = [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }];
const url = `http://127.0.0.1:${apiPort}`;
await runAutocannon('warm-up', { url, requests, duration: 3, connections: 4 });
process.stdout.write(`  (a) GET /v1/render: ${DURATION} s, ${CONNECTIONS} connections… `);
const measured = await autocannon({ url, requests, duration: DURATION, connections: CONNECTIONS, timeout: 60 });
// autocannon's average is whole requests per second; the total gives a finer rate.
const route = {
  label: '(a) GET /v1/render (this API)',
  rps: Math.round((measured.requests.total / DURATION) * 10) / 10,
  p50: measured.latency.p50,
  p99: measured.latency.p99,
  non2xx: measured.non2xx,
  errors: measured.errors + measured.timeouts,
  peakRssMb: peakRssMb(api.child.pid),
};
console.log(`${route.rps} renders/s, p99 ${route.p99} ms`);
await api.stop();
await emulator.stop();

console.log(`▶ (b) sharp alone, ${CONCURRENCY} in flight, input already in memory`);
const latencies = [];
const deadline = Date.now() + DURATION * 1000;
let index = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      const size = SIZES[index++ % SIZES.length];
      const started = performance.now();
      await renderResized(
        jpeg,
        { width: size.w, height: size.h, fit: size.fit ?? 'inside', format: size.fmt, quality: 80 },
        { maxPixels: 50_000_000 },
      );
      latencies.push(performance.now() - started);
    }
  }),
);
const ceiling = {
  label: '(b) sharp alone (ceiling)',
  rps: Math.round((latencies.length / DURATION) * 10) / 10,
  p50: Math.round(percentile(latencies, 50)),
  p99: Math.round(percentile(latencies, 99)),
  non2xx: 0,
  errors: 0,
  peakRssMb: peakRssMb(process.pid),
};

const results = [route, ceiling];
console.log(
  `\n${table(results, [
    ['target', 'label'],
    ['renders/s', 'rps'],
    ['p50 ms', 'p50'],
    ['p99 ms', 'p99'],
    ['non-2xx', 'non2xx'],
    ['errors', 'errors'],
    ['peak RSS MB', 'peakRssMb'],
  ])}`,
);
console.log(
  `\n(a)/(b) = ${((route.rps / ceiling.rps) * 100).toFixed(0)}% (target ≥ 80%); API peak RSS ${route.peakRssMb} MB (target < 512 MB)`,
);
console.log(
  `${DURATION} s per target; sizes ${SIZES.map((s) => `${s.w}${s.h ? `×${s.h}` : ''} ${s.fmt}`).join(', ')}; input ${(jpeg.length / 1024 ** 2).toFixed(1)} MB.`,
);
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
writeFileSync(
  join(ROOT, 'test-artifacts', 'bench-render.json'),
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
process.exit(0);
