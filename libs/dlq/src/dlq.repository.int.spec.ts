import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { testAws, uniqueName } from '@lib/testing';
import { DlqRepository, RedriveProgress } from './dlq.repository';

const KEY = 'originals/alice/0b7f0d4e-7a4b-4c1e-9a53-1f6a7d9c2e10';

function uploadEvent(key: string) {
  return JSON.stringify({
    v: 1,
    bucket: 'image-originals',
    key,
    size: 1,
    eTag: 'e',
    sequencer: '0A',
    eventTime: '2026-11-22T12:00:00.000Z',
    eventName: 'ObjectCreated:Put',
  });
}

function lambdaRecord(keys: string[]) {
  return JSON.stringify({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId: 'r', functionArn: 'arn', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: {
      Records: keys.map((key) => ({
        eventTime: '2026-11-22T12:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'image-originals' }, object: { key, size: 1, eTag: 'e', sequencer: '0B' } },
      })),
    },
    responseContext: { statusCode: 200, functionError: 'Unhandled' },
    responsePayload: { errorType: 'Error', errorMessage: 'SQS unavailable' },
  });
}

describe('DlqRepository against the SQS emulator', () => {
  const sqs = createSqsClient(testAws());
  const queue = new QueueRepository(sqs);
  let dlq: DlqRepository;
  let dlqUrl: string;
  let uploadsUrl: string;

  beforeEach(async () => {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }))).QueueUrl!;
    uploadsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('uploads') }))).QueueUrl!;
    dlq = new DlqRepository(queue, {
      deadLetterQueueUrl: dlqUrl,
      uploadsQueueUrl: uploadsUrl,
      peekVisibilitySeconds: 5,
    });
  });
  afterAll(() => sqs.destroy());

  async function bodiesIn(url: string): Promise<string[]> {
    const messages = await queue.receive(url, 10, 30);
    return messages.map((m) => m.Body!).sort();
  }

  it('peeks without consuming: the messages are visible again right after', async () => {
    await queue.send(dlqUrl, 'garbage', { failedStage: 'worker', failureReason: 'message body is not JSON' });
    await queue.send(dlqUrl, uploadEvent(KEY));
    await queue.send(dlqUrl, lambdaRecord(['originals/bob/a+b']));

    const peek = await dlq.peek(10);
    expect(peek.stats).toMatchObject({ depth: 3, visible: 3 });
    expect(peek.messages.map((m) => [m.stage, m.objectKeys]).sort()).toEqual([
      ['forwarder', ['originals/bob/a b']],
      ['worker', []],
      ['worker', [KEY]],
    ]);
    expect(peek.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(await dlq.stats()).toMatchObject({ depth: 3, visible: 3, inFlight: 0 });
    expect(dlq.queueName).toBe(dlqUrl.split('/').at(-1));
  });

  it('redrives chosen ids only; asking again moves nothing and names them missing', async () => {
    await queue.send(dlqUrl, uploadEvent(KEY));
    await queue.send(dlqUrl, uploadEvent('originals/alice/other'));
    const { messages } = await dlq.peek(10);
    const chosen = messages.find((m) => m.objectKeys[0] === KEY)!.messageId;

    expect(await dlq.redrive({ messageIds: [chosen] })).toEqual({ moved: 1, missing: [], failed: [] });
    expect(await bodiesIn(uploadsUrl)).toEqual([uploadEvent(KEY)]);
    expect(await dlq.stats()).toMatchObject({ depth: 1, visible: 1 });

    expect(await dlq.redrive({ messageIds: [chosen, 'no-such-id'] })).toEqual({
      moved: 0,
      missing: [chosen, 'no-such-id'],
      failed: [],
    });
    expect(await dlq.stats()).toMatchObject({ depth: 1, visible: 1 });
  });

  it('redrives everything with progress, replaying forwarder failures as upload events', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `originals/carol/${i}`);
    for (const key of keys.slice(0, 21)) await queue.send(dlqUrl, uploadEvent(key));
    await queue.send(dlqUrl, lambdaRecord(keys.slice(21)));
    const progress: RedriveProgress[] = [];

    const result = await dlq.redrive({ all: true }, (p) => progress.push(p));

    expect(result).toEqual({ moved: 22, missing: [], failed: [] });
    expect(progress.at(-1)).toEqual({ moved: 22, failed: 0, total: 22 });
    expect(progress.length).toBeGreaterThan(1);
    expect(await dlq.stats()).toMatchObject({ depth: 0 });
    const moved: string[] = [];
    for (let batch = await bodiesIn(uploadsUrl); batch.length; batch = await bodiesIn(uploadsUrl)) {
      moved.push(...batch.map((b) => (JSON.parse(b) as { key: string }).key));
    }
    expect(moved.sort()).toEqual([...keys].sort());
  });

  it('stops at max when asked to, leaving the rest for the next call', async () => {
    for (let i = 0; i < 12; i++) await queue.send(dlqUrl, uploadEvent(`originals/dave/${i}`));
    expect(await dlq.redrive({ all: true, max: 5 })).toEqual({ moved: 5, missing: [], failed: [] });
    expect(await dlq.stats()).toMatchObject({ depth: 7, visible: 7 });
  });

  it('leaves a message it cannot replay in the DLQ and says why', async () => {
    await queue.send(dlqUrl, lambdaRecord(['not-an-upload/x']));
    const result = await dlq.redrive({ all: true });
    expect(result.moved).toBe(0);
    expect(result.failed).toEqual([
      { messageId: expect.any(String), reason: 'no upload event to replay in this message' },
    ]);
    expect(await dlq.stats()).toMatchObject({ depth: 1, visible: 1 });
  });
});
