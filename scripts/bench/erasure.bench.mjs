// `npm run bench:erasure`: seeds N objects (N/2 uploads, each an original and a thumbnail,
// with their rows) for one user into the local stack, starts the built worker and erases the
// user, reporting objects/s, total time, the worker's peak RSS, and the database's busiest
// minute (transactions/s from pg_stat_database: every statement the worker sends outside an
// explicit transaction is one). BENCH_ERASURE_SIZES=5000,50000 runs several sizes, each with a
// fresh worker, to check that memory stays flat.
import '../use-node24.mjs';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { LOCAL_USER_KEY_SECRET } from '../../dist/libs/config/src/index.js';
import { userKeyFor } from '../../dist/libs/contracts/src/user-key.js';
import { eachLimit, freePort, localResources, peakRssMb, startServer, table } from './bench-support.mjs';

const SIZES = (process.env.BENCH_ERASURE_SIZES ?? process.env.BENCH_ERASURE_N ?? '50000').split(',').map(Number);
const PUT_CONCURRENCY = 32;
const SALT = 'bench-erasure-audit-salt-0123456789';

console.log(`▶ emulator and resources (bench-erasure- prefix), sizes ${SIZES.join(', ')}`);
const { env, emulator, resources, s3 } = await localResources({ prefix: 'bench-erasure-' });
const buckets = [resources.originalsBucket, resources.thumbnailsBucket];
// Seeding is not what is measured: keep thousands of PUTs from becoming S3 events.
for (const Bucket of buckets) {
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: {} }));
}
const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
const serverEnv = {
  ...env,
  AWS_ENDPOINT_URL: emulator.endpoint,
  UPLOADS_QUEUE_URL: resources.uploadsQueueUrl,
  UPLOADS_DLQ_URL: resources.deadLetterQueueUrl,
  ERASURE_AUDIT_SALT: SALT,
  ERASURE_POLL_SECONDS: '1',
  LOG_LEVEL: 'warn',
};

async function seed(userId, objects) {
  // Keys are under the user's pseudonym, as the API makes them (the local USER_KEY_SECRET).
  const userKey = userKeyFor(LOCAL_USER_KEY_SECRET, userId);
  const ids = Array.from({ length: Math.ceil(objects / 2) }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    await db.query(
      `INSERT INTO uploads (id, user_id, filename, content_type, size, original_key, thumbnail_key, status, expires_at)
       SELECT id, $1, 'bench.jpg', 'image/jpeg', 4, 'originals/' || $3 || '/' || id, 'thumbnails/' || $3 || '/' || id, 'READY', now()
       FROM unnest($2::uuid[]) AS id`,
      [userId, chunk, userKey],
    );
    await db.query(
      `INSERT INTO images (id, upload_id, user_id, bucket, key, url, content_type, bytes, width, height, e_tag, sequencer)
       SELECT gen_random_uuid(), id, $1, $3, 'originals/' || $4 || '/' || id, 'http://x', 'image/jpeg', 4, 1, 1, 'e', '0'
       FROM unnest($2::uuid[]) AS id`,
      [userId, chunk, resources.originalsBucket, userKey],
    );
    await db.query(
      `INSERT INTO stored_objects (bucket, key, upload_id, role, sequencer, e_tag, bytes, accepted)
       SELECT b.bucket, b.prefix || $1 || '/' || id, id, b.role::"ObjectRole", '0', 'e', 4, true
       FROM unnest($2::uuid[]) AS id, (VALUES ($3, 'originals/', 'ORIGINAL'), ($4, 'thumbnails/', 'THUMBNAIL')) AS b(bucket, prefix, role)`,
      [userKey, chunk, resources.originalsBucket, resources.thumbnailsBucket],
    );
  }
  const keys = ids.flatMap((id) => [
    [resources.originalsBucket, `originals/${userKey}/${id}`],
    [resources.thumbnailsBucket, `thumbnails/${userKey}/${id}`],
  ]);
  const body = Buffer.from('img!');
  let done = 0;
  await eachLimit(keys.slice(0, objects), PUT_CONCURRENCY, async ([Bucket, Key]) => {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'image/jpeg' }));
    if (++done % 5000 === 0) process.stdout.write(`  seeded ${done} objects\n`);
  });
}

async function transactions() {
  const { rows } = await db.query(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].n);
}

function rssMb(pid) {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return NaN;
  }
}

const results = [];
for (const n of SIZES) {
  const userId = `bench-erasure-${randomUUID().slice(0, 8)}`;
  console.log(`▶ N = ${n}: seeding rows and objects`);
  const seedStarted = Date.now();
  await seed(userId, n);
  console.log(`  seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s; starting the worker`);
  const metricsPort = await freePort();
  const worker = await startServer(
    'worker',
    ['dist/apps/worker/src/main.js'],
    { ...serverEnv, WORKER_METRICS_PORT: String(metricsPort) },
    `http://127.0.0.1:${metricsPort}/healthz`,
  );
  const idleRss = rssMb(worker.child.pid);
  const hash = createHmac('sha256', SALT).update(userId).digest('hex');
  const id = randomUUID();
  // The bench's own polling below is 2 statements per 250 ms (8/s), included in the figures.
  const samples = [{ t: Date.now(), n: await transactions() }];
  await db.query(
    `INSERT INTO erasure_requests (id, user_id, user_id_hash, requested_by) VALUES ($1, $2, $3, 'bench')`,
    [id, userId, hash],
  );
  const started = Date.now();
  let row;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    row = (await db.query('SELECT * FROM erasure_requests WHERE id = $1', [id])).rows[0];
    samples.push({ t: Date.now(), n: await transactions() });
    if (row.state === 'COMPLETED' || row.state === 'FAILED') break;
  }
  const seconds = (Date.now() - started) / 1000;
  const peak = peakRssMb(worker.child.pid);
  await worker.stop();
  // Busiest 60 s window (or the whole run if shorter).
  let busiest = 0;
  for (let i = 0; i < samples.length; i++) {
    let j = i;
    while (j + 1 < samples.length && samples[j + 1].t - samples[i].t <= 60_000) j++;
    const span = Math.max(1, samples[j].t - samples[i].t) / 1000;
    if (j > i) busiest = Math.max(busiest, (samples[j].n - samples[i].n) / span);
  }
  const result = {
    n,
    state: row.state,
    objects: row.objects_deleted,
    rows: row.rows_deleted,
    seconds: seconds.toFixed(1),
    objectsPerSecond: Math.round(row.objects_deleted / seconds),
    idleRss,
    peakRss: peak,
    dbTps: Math.round(busiest),
  };
  console.log(`  ${JSON.stringify(result)}`);
  results.push(result);
}

console.log(
  '\n' +
    table(results, [
      ['N objects', 'n'],
      ['state', 'state'],
      ['objects deleted', 'objects'],
      ['rows deleted', 'rows'],
      ['total s', 'seconds'],
      ['objects/s', 'objectsPerSecond'],
      ['worker RSS idle MB', 'idleRss'],
      ['worker peak RSS MB', 'peakRss'],
      ['DB busiest minute, xact/s', 'dbTps'],
    ]),
);
if (results.length > 1) {
  const growth = results.at(-1).peakRss / results[0].peakRss - 1;
  console.log(
    `peak RSS growth from N=${results[0].n} to N=${results.at(-1).n}: ${(growth * 100).toFixed(1)}% (target ≤ 20%)`,
  );
}
await db.end();
s3.destroy();
await emulator.stop?.();
process.exit(0);
