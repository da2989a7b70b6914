import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PrismaService } from '@lib/database';
import { makeJpeg, waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { testPrisma } from '../support/database';
import { startTcpProxy, TcpProxy, throughProxy } from '../support/tcp-proxy';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The built worker, as `npm start` runs it, with S3 and SQS behind a proxy the test cuts: the
 * emulator loses its state when restarted, so "the queue goes away" is the proxy going down.
 */
describe('worker: a queue outage is waited out, never a crash', () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let prisma: PrismaService;
  let worker: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      maxReceiveCount: 50,
      env: { WORKER_VISIBILITY_TIMEOUT_SECONDS: '3', WORKER_HEARTBEAT_SECONDS: '1' },
    });
    const emulator = new URL(stack.env.AWS_ENDPOINT_URL!);
    proxy = await startTcpProxy(emulator.hostname, Number(emulator.port));
    prisma = testPrisma();
  });
  afterAll(async () => {
    proxy.restore();
    worker?.kill('SIGKILL');
    await prisma.$disconnect();
    await proxy.close();
    await stack.stop();
  });

  it('keeps running through the outage, counts the errors, and loses no message', async () => {
    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'outage-olga'));
    const jpeg = await makeJpeg(160, 120);
    const before = await Promise.all(Array.from({ length: 6 }, () => client.upload(jpeg, 'image/jpeg')));
    await waitFor(async () => (await stack.queue.depth(stack.resources.uploadsQueueUrl)).visible >= 6, {
      what: 'six events queued',
    });

    const metricsPort = await freePort();
    const viaProxy = (url: string) => throughProxy(url, proxy);
    worker = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'src', 'main.js')], {
      env: {
        ...stack.env,
        AWS_ENDPOINT_URL: viaProxy(stack.env.AWS_ENDPOINT_URL!).replace(/\/$/, ''),
        UPLOADS_QUEUE_URL: viaProxy(stack.env.UPLOADS_QUEUE_URL!),
        UPLOADS_DLQ_URL: viaProxy(stack.env.UPLOADS_DLQ_URL!),
        WORKER_METRICS_PORT: String(metricsPort),
        DLQ_ALERT_POLL_SECONDS: '1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));

    // Cut while the worker holds messages: their deletes (or reads) fail mid-way.
    await waitFor(async () => (await stack.queue.depth(stack.resources.uploadsQueueUrl)).inFlight > 0, {
      what: 'the worker to take a batch',
    });
    proxy.cut();
    // More uploads arrive while the worker cannot reach the queue.
    const during = await Promise.all(Array.from({ length: 3 }, () => client.upload(jpeg, 'image/jpeg')));
    const errors = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return [...text.matchAll(/^worker_queue_errors_total\{[^}]*poller="([^"]+)"[^}]*\} (\d+)/gm)]
        .map(([, poller, n]) => ({ poller: poller!, n: Number(n) }))
        .filter((e) => e.n > 0);
    };
    await waitFor(async () => (await errors()).some((e) => e.poller === 'uploads'), {
      what: 'queue errors counted',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await errors()).some((e) => e.poller === 'dlq-monitor'), {
      what: 'DLQ monitor errors counted',
      timeoutMs: 30_000,
    });
    expect(worker.exitCode).toBeNull();

    proxy.restore();
    const ids = [...before, ...during].map((s) => s.uploadId);
    await waitFor(async () => (await prisma.upload.count({ where: { id: { in: ids }, status: 'READY' } })) === 9, {
      what: `all nine READY after the outage (worker output: ${output.slice(-2000)})`,
      timeoutMs: 60_000,
    });
    expect(await prisma.image.count({ where: { uploadId: { in: ids } } })).toBe(9);
    await waitFor(
      async () => {
        const depth = await stack.queue.depth(stack.resources.uploadsQueueUrl);
        return depth.visible + depth.inFlight === 0;
      },
      { what: 'the uploads queue to drain', timeoutMs: 30_000 },
    );
    expect((await stack.queue.depth(stack.resources.deadLetterQueueUrl)).visible).toBe(0);
    expect(output).toMatch(/uploads queue call failed; backing off/);

    expect(worker.exitCode).toBeNull();
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
