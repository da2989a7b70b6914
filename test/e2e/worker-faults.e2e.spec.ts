import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PrismaService } from '@lib/database';
import { makeJpeg, waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { testPrisma } from '../support/database';
import { startTcpProxy, TcpProxy, throughProxy } from '../support/tcp-proxy';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const FAST_REDELIVERY = { WORKER_VISIBILITY_TIMEOUT_SECONDS: '2', WORKER_HEARTBEAT_SECONDS: '1' };

async function drained(stack: TestStack): Promise<void> {
  await waitFor(
    async () => {
      const depth = await stack.queue.depth(stack.resources.uploadsQueueUrl);
      return depth.visible + depth.inFlight === 0;
    },
    { what: 'the uploads queue to drain', timeoutMs: 30_000 },
  );
}

describe('worker under faults: nothing is lost', () => {
  let prisma: PrismaService;
  let proxy: TcpProxy;

  beforeAll(async () => {
    prisma = testPrisma();
    const db = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy(db.hostname, Number(db.port || 5432));
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await proxy.close();
  });

  it('keeps messages while the database is down and processes them when it returns', async () => {
    const stack = await startTestStack({
      maxReceiveCount: 50,
      env: { ...FAST_REDELIVERY, DATABASE_URL: throughProxy(process.env.DATABASE_URL!, proxy) },
    });
    try {
      // The API writes through the proxy too, so create the uploads before the outage.
      const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'faults-dora'));
      const jpeg = await makeJpeg(200, 100);
      const sessions = await Promise.all(
        [1, 2, 3].map(() => client.createUpload({ filename: 'a', contentType: 'image/jpeg', size: jpeg.length })),
      );
      proxy.cut();
      for (const session of sessions) expect((await client.put(session.original, jpeg)).status).toBe(200);
      // Let the worker fail on them at least once.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(
        await prisma.upload.count({ where: { id: { in: sessions.map((s) => s.uploadId) }, status: 'READY' } }),
      ).toBe(0);
      proxy.restore();

      await drained(stack);
      expect(
        await prisma.upload.count({ where: { id: { in: sessions.map((s) => s.uploadId) }, status: 'READY' } }),
      ).toBe(3);
      expect((await stack.queue.depth(stack.resources.deadLetterQueueUrl)).visible).toBe(0);
    } finally {
      proxy.restore();
      await stack.stop();
    }
  });

  it('lets SQS move a message that keeps failing to the DLQ after maxReceiveCount', async () => {
    const stack = await startTestStack({
      maxReceiveCount: 2,
      env: { ...FAST_REDELIVERY, DATABASE_URL: throughProxy(process.env.DATABASE_URL!, proxy) },
    });
    try {
      const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'faults-erin'));
      const jpeg = await makeJpeg(64, 64);
      const session = await client.createUpload({ filename: 'a', contentType: 'image/jpeg', size: jpeg.length });
      proxy.cut();
      expect((await client.put(session.original, jpeg)).status).toBe(200);
      const dead = await waitFor(
        async () => {
          const messages = await stack.queue.receive(stack.resources.deadLetterQueueUrl, 1, 30);
          return messages[0];
        },
        { what: 'the message in the DLQ', timeoutMs: 30_000 },
      );
      expect(JSON.parse(dead.Body!)).toMatchObject({ v: 1, key: expect.stringContaining(session.uploadId) });
      expect((await stack.queue.depth(stack.resources.uploadsQueueUrl)).visible).toBe(0);
    } finally {
      proxy.restore();
      await stack.stop();
    }
  });

  it('on SIGTERM stops polling, finishes in-flight messages and exits 0, with nothing half-written', async () => {
    const stack = await startTestStack({ worker: false, maxReceiveCount: 50, env: FAST_REDELIVERY });
    let worker: ChildProcess | undefined;
    try {
      const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'faults-finn'));
      const jpeg = await makeJpeg(120, 80);
      const sessions = await Promise.all(Array.from({ length: 6 }, () => client.upload(jpeg, 'image/jpeg')));
      await waitFor(async () => (await stack.queue.depth(stack.resources.uploadsQueueUrl)).visible >= 6, {
        what: 'six events queued',
      });
      // Every database round trip of the worker takes 300 ms, so its batch is still in flight.
      proxy.setLatency(300);
      worker = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'src', 'main.js')], {
        env: {
          ...stack.env,
          DATABASE_URL: throughProxy(process.env.DATABASE_URL!, proxy),
          WORKER_VISIBILITY_TIMEOUT_SECONDS: '30',
          WORKER_HEARTBEAT_SECONDS: '10',
        },
        stdio: 'ignore',
      });
      await waitFor(async () => (await stack.queue.depth(stack.resources.uploadsQueueUrl)).inFlight > 0, {
        what: 'the worker to take a batch',
      });
      const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);

      const ids = sessions.map((s) => s.uploadId);
      const ready = await prisma.upload.count({ where: { id: { in: ids }, status: 'READY' } });
      const images = await prisma.image.count({ where: { uploadId: { in: ids } } });
      const depth = await stack.queue.depth(stack.resources.uploadsQueueUrl);
      expect(ready).toBeGreaterThan(0);
      // Each upload is either fully stored (READY with its image) or still has its message.
      expect(images).toBe(ready);
      expect(ready + depth.visible + depth.inFlight).toBe(6);
    } finally {
      proxy.setLatency(0);
      worker?.kill('SIGKILL');
      await stack.stop();
    }
  });
});
