import { Logger } from '@nestjs/common';
import type { PrismaService } from '@lib/database';
import { makeJpeg, waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { testPrisma } from '../support/database';
import { dlqDepth, failForwarder, poisonUploadsQueue, waitForDlqDepth } from '../support/dead-letters';
import { SlackPost, SlackReceiver, startSlackReceiver } from '../support/slack-receiver';
import { startTcpProxy, TcpProxy, throughProxy } from '../support/tcp-proxy';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const WINDOW_SECONDS = 6;
/** Seconds instead of minutes, so each case runs in well under a minute. */
const FAST_ALERTS = {
  DLQ_ALERT_POLL_SECONDS: '1',
  DLQ_ALERT_SETTLE_SECONDS: '10',
  DLQ_ALERT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  DLQ_ALERT_REMINDER_SECONDS: '3600',
  DLQ_PEEK_VISIBILITY_SECONDS: '2',
  SLACK_TIMEOUT_MS: '2000',
  SLACK_RETRY_BASE_MS: '100',
};

const headerOf = (post: SlackPost) => post.body.blocks?.[0]?.text?.text ?? '';
const allText = (post: SlackPost) =>
  JSON.stringify(post.body.blocks ?? [])
    .replace(/\\n/g, '\n')
    .replace(/\\"/g, '"');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function firstAlert(receiver: SlackReceiver): Promise<SlackPost> {
  // The product promise is "within 60 s"; with these settings it comes in a few seconds.
  return waitFor(async () => receiver.delivered()[0], { what: 'the first Slack alert', timeoutMs: 50_000 });
}

/** Lets one whole alert window pass after `post`, so a second alert would have had its chance. */
async function oneWindowAfter(post: SlackPost): Promise<void> {
  await sleep(Math.max(0, post.at + WINDOW_SECONDS * 1000 - Date.now()) + 1_500);
}

function withinWindowOf(receiver: SlackReceiver, first: SlackPost): SlackPost[] {
  return receiver.delivered().filter((p) => p.at < first.at + WINDOW_SECONDS * 1000);
}

describe('DLQ alerts through a local Slack webhook receiver', () => {
  let receiver: SlackReceiver;
  let stack: TestStack | undefined;

  beforeEach(async () => {
    receiver = await startSlackReceiver();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await receiver.close();
    jest.restoreAllMocks();
  });

  const start = async (env: Record<string, string> = {}, options = {}) =>
    (stack = await startTestStack({
      forwarder: false,
      ...options,
      env: { ...FAST_ALERTS, SLACK_WEBHOOK_URL: receiver.url, ...env },
    }));

  it('one poison message: exactly one alert within the window, with the count, sample and redrive route', async () => {
    const s = await start();
    const [key] = await poisonUploadsQueue(s, 1, 'alert-one');

    const alert = await firstAlert(receiver);
    expect(headerOf(alert)).toContain('1 message in');
    expect(alert.body.text).toContain('1 message in');
    const text = allText(alert);
    expect(text).toContain(key);
    expect(text).toContain('*worker*');
    expect(text).toContain('invalid message');
    expect(text).toContain('POST /v1/admin/dlq/redrive');
    expect(text).toContain('npm run dlq -- redrive --all');

    await oneWindowAfter(alert);
    expect(receiver.posts).toHaveLength(1);
    expect(await dlqDepth(s)).toBe(1);
  });

  it('fifty poison messages: still one alert, saying 50', async () => {
    const s = await start();
    await poisonUploadsQueue(s, 50, 'alert-fifty');

    const alert = await firstAlert(receiver);
    expect(headerOf(alert)).toContain('50 messages in');
    expect(allText(alert)).toContain('*Samples* (5 of 50)');
    await oneWindowAfter(alert);
    expect(withinWindowOf(receiver, alert)).toHaveLength(1);
    expect(receiver.posts).toHaveLength(1);
    expect(await dlqDepth(s)).toBe(50);
  });

  it('Slack answering 500, then 429 with Retry-After, then 200: delivered once, DLQ intact', async () => {
    receiver.script({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    const s = await start();
    const keys = await poisonUploadsQueue(s, 2, 'alert-flaky');

    const alert = await firstAlert(receiver);
    expect(receiver.posts.map((p) => p.status)).toEqual([500, 429, 200]);
    // Retry-After was honoured: the retry came no sooner than it asked.
    expect(receiver.posts[2]!.at - receiver.posts[1]!.at).toBeGreaterThanOrEqual(950);
    expect(headerOf(alert)).toContain('2 messages in');

    await oneWindowAfter(alert);
    expect(receiver.delivered()).toHaveLength(1);
    // Nothing deleted or kept in flight: both messages still there, visible, with their bodies.
    expect(await s.queue.depth(s.resources.deadLetterQueueUrl)).toMatchObject({ visible: 2, inFlight: 0 });
    const bodies = (await s.queue.receive(s.resources.deadLetterQueueUrl, 10, 0)).map((m) => JSON.parse(m.Body!));
    expect(bodies.map((b: { key: string }) => b.key).sort()).toEqual(keys);
  });

  it('a Slack outage neither holds up the worker nor touches the DLQ', async () => {
    receiver.script(...Array.from({ length: 50 }, () => ({ status: 503, delayMs: 300 })));
    const s = await start({ SLACK_MAX_RETRIES: '10' });
    await poisonUploadsQueue(s, 2, 'alert-outage-a');
    await waitFor(async () => receiver.posts.length > 0, { what: 'a first delivery attempt', timeoutMs: 50_000 });

    // The monitor is busy retrying Slack; the worker still dead-letters new poison at once.
    await poisonUploadsQueue(s, 3, 'alert-outage-b');
    await waitForDlqDepth(s, 5, 15_000);
    expect((await s.queue.depth(s.resources.uploadsQueueUrl)).visible).toBe(0);
    expect(receiver.delivered()).toHaveLength(0);
    expect(await dlqDepth(s)).toBe(5);
  });

  it('without SLACK_WEBHOOK_URL, the same alert is logged at warn level and nothing is posted', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const s = await start({ SLACK_WEBHOOK_URL: '' });
    const [key] = await poisonUploadsQueue(s, 1, 'alert-log');

    const logged = await waitFor(
      async () =>
        warn.mock.calls
          .map(([entry]) => entry as { alert?: string; depth?: number; samples?: { objectKeys: string[] }[] })
          .find((entry) => entry?.alert === 'first'),
      { what: 'the alert in the log', timeoutMs: 50_000 },
    );
    expect(logged).toMatchObject({
      depth: 1,
      queue: s.resources.deadLetterQueueUrl.split('/').at(-1),
      samples: [expect.objectContaining({ stage: 'worker', objectKeys: [key] })],
    });
    expect(receiver.posts).toHaveLength(0);
  });

  it('shows the object key of forwarder failures and worker failures alike', async () => {
    const s = await start();
    const forwarderKey = 'originals/alert-gus/holiday photo.jpg';
    await failForwarder(s, [forwarderKey]);
    const [workerKey] = await poisonUploadsQueue(s, 1, 'alert-both');

    const post = await waitFor(
      async () =>
        receiver.delivered().find((p) => allText(p).includes(forwarderKey) && allText(p).includes(workerKey!)),
      { what: 'an alert naming both keys', timeoutMs: 50_000 },
    );
    const text = allText(post);
    expect(text).toContain('*forwarder* · 3 invocations');
    expect(text).toContain('SQS SendMessageBatch timed out');
    expect(text).toContain('*worker* · ');
  });
});

describe('DLQ alerts: redrive after the fault is fixed', () => {
  let receiver: SlackReceiver;
  let proxy: TcpProxy;
  let prisma: PrismaService;

  beforeAll(async () => {
    receiver = await startSlackReceiver();
    prisma = testPrisma();
    const db = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy(db.hostname, Number(db.port || 5432));
  });
  afterAll(async () => {
    await receiver.close();
    await prisma.$disconnect();
    await proxy.close();
  });

  it('alerts while the database is down, then after the redrive the worker processes them, the DLQ drains and "recovered" follows', async () => {
    const stack = await startTestStack({
      maxReceiveCount: 2,
      env: {
        ...FAST_ALERTS,
        SLACK_WEBHOOK_URL: receiver.url,
        WORKER_VISIBILITY_TIMEOUT_SECONDS: '2',
        WORKER_HEARTBEAT_SECONDS: '1',
        DATABASE_URL: throughProxy(process.env.DATABASE_URL!, proxy),
      },
    });
    try {
      const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'alert-hana'));
      const admin = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'alert-admin', ['admin']));
      const jpeg = await makeJpeg(64, 48);
      const sessions = await Promise.all(
        [1, 2].map(() => client.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', size: jpeg.length })),
      );

      // The fault: the database goes away, so every delivery fails until SQS gives up on them.
      proxy.cut();
      for (const session of sessions) expect((await client.put(session.original, jpeg)).status).toBe(200);
      await waitForDlqDepth(stack, 2, 45_000);
      const alert = await firstAlert(receiver);
      expect(allText(alert)).toContain('exceeded maxReceiveCount');
      expect(allText(alert)).toContain(sessions[0]!.uploadId.slice(0, 8));

      // The fix, then the redrive through the admin route.
      proxy.restore();
      const response = await admin.request('POST', '/v1/admin/dlq/redrive', { all: true });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ moved: 2, failed: [] });

      for (const session of sessions) expect((await client.settled(session.uploadId, 30_000)).status).toBe('READY');
      await waitForDlqDepth(stack, 0);
      const recovered = await waitFor(
        async () => receiver.delivered().find((p) => headerOf(p).includes('is empty again')),
        { what: 'the "recovered" alert', timeoutMs: 30_000 },
      );
      expect(allText(recovered)).toContain('It held up to 2 messages');
      expect(receiver.delivered().at(-1)).toBe(recovered);
      expect(await prisma.auditEvent.count({ where: { actor: 'alert-admin', action: 'dlq.redrive', count: 2 } })).toBe(
        1,
      );
    } finally {
      proxy.restore();
      await stack.stop();
    }
  }, 120_000);
});
