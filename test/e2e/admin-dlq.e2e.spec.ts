import type { PrismaService } from '@lib/database';
import { ApiClient } from '../support/api-client';
import { testPrisma } from '../support/database';
import { dlqDepth, failForwarder, poisonUploadsQueue, waitForDlqDepth } from '../support/dead-letters';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

interface DeadLetterBody {
  messageId: string;
  stage: string;
  envelope: string;
  objectKeys: string[];
  reason: string;
  receiveCount: number;
  sentAt: string | null;
}

interface SummaryBody {
  queue: string;
  count: number;
  visible: number;
  inFlight: number;
  oldestAgeSeconds: number | null;
  sample: DeadLetterBody[];
}

describe('admin DLQ routes', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let prisma: PrismaService;
  const forwarderKey = 'originals/admin-fay/a photo.jpg';

  beforeAll(async () => {
    prisma = testPrisma();
    stack = await startTestStack({ forwarder: false });
    admin = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'admin-ann', ['admin']));
    // Three worker failures through the worker's own path, then one forwarder failure.
    await poisonUploadsQueue(stack, 3, 'admin-poison');
    await waitForDlqDepth(stack, 3);
    await failForwarder(stack, [forwarderKey]);
    await waitForDlqDepth(stack, 4);
    // Keep what the redrive moves on the uploads queue, where the test can read it.
    await stack.stopWorker();
  });
  afterAll(async () => {
    await stack.stop();
    await prisma.$disconnect();
  });

  it.each([
    ['GET', '/v1/admin/dlq', undefined],
    ['POST', '/v1/admin/dlq/redrive', { all: true }],
  ])('%s %s: 401 without a token, 403 for a non-admin, as problem+json', async (method, path, body) => {
    const anonymous = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');

    const user = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'plain-pat'));
    const forbidden = await user.request(method, path, body);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect(await forbidden.json()).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await dlqDepth(stack)).toBe(4);
  });

  it('shows count, oldest age and a sample of both stages, without consuming anything', async () => {
    const response = await admin.request('GET', '/v1/admin/dlq?limit=10');
    expect(response.status).toBe(200);
    const body = (await response.json()) as SummaryBody;
    expect(body).toMatchObject({ queue: stack.resources.deadLetterQueueUrl.split('/').at(-1), count: 4 });
    expect(body.oldestAgeSeconds).toEqual(expect.any(Number));
    expect(body.sample).toHaveLength(4);
    const forwarder = body.sample.find((m) => m.stage === 'forwarder')!;
    expect(forwarder).toMatchObject({
      envelope: 'lambda-destination',
      objectKeys: [forwarderKey],
      reason: expect.stringContaining('SQS SendMessageBatch timed out'),
      receiveCount: 3,
    });
    const worker = body.sample.filter((m) => m.stage === 'worker');
    expect(worker.map((m) => m.objectKeys[0]).sort()).toEqual([0, 1, 2].map((i) => `originals/admin-poison/${i}`));
    expect(worker[0]).toMatchObject({ envelope: 'worker-dead-letter', reason: expect.stringContaining('invalid') });

    // Handed back at once: all four are visible again, none consumed.
    expect(await stack.queue.depth(stack.resources.deadLetterQueueUrl)).toMatchObject({ visible: 4, inFlight: 0 });
  });

  it('refuses a body that is neither "all" nor ids', async () => {
    for (const body of [{}, { all: true, messageIds: ['x'] }, { all: false }, { messageIds: [] }, { nope: 1 }]) {
      const response = await admin.request('POST', '/v1/admin/dlq/redrive', body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await dlqDepth(stack)).toBe(4);
  });

  it('redrives by id, idempotently, then everything (replaying the forwarder failure), and audits each action', async () => {
    const { sample } = (await (await admin.request('GET', '/v1/admin/dlq')).json()) as SummaryBody;
    const chosen = sample.find((m) => m.stage === 'worker')!;

    const first = await admin.request('POST', '/v1/admin/dlq/redrive', { messageIds: [chosen.messageId] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ moved: 1, missing: [], failed: [], remaining: 3 });

    const again = await admin.request('POST', '/v1/admin/dlq/redrive', { messageIds: [chosen.messageId] });
    expect(await again.json()).toEqual({ moved: 0, missing: [chosen.messageId], failed: [], remaining: 3 });

    const rest = await admin.request('POST', '/v1/admin/dlq/redrive', { all: true });
    expect(await rest.json()).toEqual({ moved: 3, missing: [], failed: [], remaining: 0 });

    const back = await stack.queue.receive(stack.resources.uploadsQueueUrl, 10, 30, 1);
    const bodies = back.map((m) => JSON.parse(m.Body!) as { v: number; key: string });
    expect(bodies.map((b) => b.key).sort()).toEqual(
      [forwarderKey, ...[0, 1, 2].map((i) => `originals/admin-poison/${i}`)].sort(),
    );
    // The forwarder failure comes back as the upload event the forwarder would have sent.
    expect(bodies.find((b) => b.key === forwarderKey)).toMatchObject({
      v: 1,
      bucket: stack.resources.originalsBucket,
      eventName: 'ObjectCreated:Put',
    });

    const audit = await prisma.auditEvent.findMany({ where: { actor: 'admin-ann' }, orderBy: { createdAt: 'asc' } });
    const redrives = audit.filter((a) => a.action === 'dlq.redrive');
    expect(redrives.map((a) => a.count)).toEqual([1, 0, 3]);
    expect(redrives[0]).toMatchObject({
      target: stack.resources.deadLetterQueueUrl.split('/').at(-1),
      detail: { mode: 'ids', requested: [chosen.messageId], missing: [], failed: 0, remaining: 3 },
    });
    expect(redrives[1]!.detail).toMatchObject({ missing: [chosen.messageId] });
    expect(redrives[2]!.detail).toMatchObject({ mode: 'all', remaining: 0 });
    expect(audit.filter((a) => a.action === 'dlq.inspect').length).toBeGreaterThanOrEqual(2);
    expect(await prisma.auditEvent.count({ where: { actor: 'plain-pat' } })).toBe(0);
  });
});
