// Shared plumbing of the benchmark scripts: the emulator, resources, child servers, autocannon.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The local stack's emulator and resources, started if needed (the built tools do the work). */
export async function localResources({ prefix = '' } = {}) {
  const require = createRequire(import.meta.url);
  const { localEnv } = require(join(ROOT, 'dist/tools/local-stack/local-env.js'));
  const { startEmulator } = require(join(ROOT, 'dist/tools/local-stack/emulator.js'));
  const { bootstrapResources, localBootstrapOptions } = require(join(ROOT, 'dist/tools/local-stack/bootstrap.js'));
  const { createS3Client } = require(join(ROOT, 'dist/libs/storage/src/index.js'));
  const { createSqsClient } = require(join(ROOT, 'dist/libs/queue/src/index.js'));
  const env = localEnv(process.env);
  Object.assign(process.env, env);
  const endpoint = new URL(env.AWS_ENDPOINT_URL);
  const emulator = await startEmulator({ host: endpoint.hostname, port: Number(endpoint.port) });
  const aws = { region: env.AWS_REGION, endpoint: emulator.endpoint, forcePathStyle: true };
  const s3 = createS3Client(aws);
  const sqs = createSqsClient(aws);
  const resources = await bootstrapResources(localBootstrapOptions(env, { s3, sqs }, prefix));

  return {
    env: { ...env, S3_ORIGINALS_BUCKET: resources.originalsBucket, S3_THUMBNAILS_BUCKET: resources.thumbnailsBucket },
    emulator,
    resources,
    s3,
    sqs,
  };
}

/** Peak resident set size of a process, from the kernel's high-water mark (Linux). */
export function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux, 100 ticks/s). */
export function cpuSeconds(pid) {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function eachLimit(items, limit, task) {
  let index = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (index < items.length) await task(items[index++]);
    }),
  );
}

/** Starts `node <file>` with env, waits until `url` answers, and returns a stopper. */
export async function startServer(name, args, env, readyUrl) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    try {
      const response = await fetch(readyUrl);
      if (response.status < 500) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The local stack's own stopper; its SIGKILL backstop comes well after the worker's shutdown grace.
  const { stopChild } = createRequire(import.meta.url)(join(ROOT, 'dist/tools/local-stack/emulator.js'));
  return { child, stop: () => stopChild(child, 60_000) };
}

/**
 * One autocannon run. With `pid` (the server's process), also the server's own CPU time per
 * answered request over the run, from /proc: what one request costs, whatever else the machine
 * is doing at the time (rates move with the load of a shared machine; this moves far less).
 */
export function runAutocannon(label, { pid, ...options }) {
  process.stdout.write(`  ${label}: ${options.duration} s, ${options.connections} connections… `);
  const cpuBefore = pid === undefined ? NaN : cpuSeconds(pid);
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => {
      if (error) return reject(error);
      const cpuUsed = pid === undefined ? NaN : cpuSeconds(pid) - cpuBefore;
      const summary = {
        label,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        cpuUsPerRequest: Number.isNaN(cpuUsed) ? '' : Math.round((cpuUsed * 1e6) / result.requests.total),
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      };
      process.stdout.write(
        `${summary.rps} req/s, p99 ${summary.p99} ms${summary.cpuUsPerRequest === '' ? '' : `, ${summary.cpuUsPerRequest} CPU µs/request`}${summary.non2xx ? `, ${summary.non2xx} non-2xx` : ''}\n`,
      );
      resolve(summary);
    });
  });
}

export function table(rows, columns) {
  const widths = columns.map(([title, key]) => Math.max(title.length, ...rows.map((r) => String(r[key]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  return [
    line(columns.map(([title]) => title)),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map((r) => line(columns.map(([, key]) => r[key]))),
  ].join('\n');
}
