import type { S3Event } from 'aws-lambda';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { testAws, uniqueName } from '@lib/testing';
import { loadForwarderBundle } from '../support/test-stack';

describe('the forwarder Lambda bundle (dist/lambda/s3-event-forwarder/index.js)', () => {
  const sqs = createSqsClient(testAws());
  const queue = new QueueRepository(sqs);
  afterAll(() => sqs.destroy());

  it('forwards a record whose key has + and %28 as the decoded key', async () => {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fwd') }))).QueueUrl!;
    const handler = loadForwarderBundle({ ...process.env, UPLOADS_QUEUE_URL: queueUrl });
    const event = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: '2026-11-22T10:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          responseElements: { 'x-amz-request-id': 'REQ1' },
          s3: {
            bucket: { name: 'thumbs-bucket' },
            object: { key: 'thumbnails/user+one/a+b%28c%29', size: 3, eTag: 'e', sequencer: '0A' },
          },
        },
      ],
    } as unknown as S3Event;

    await expect(handler(event, { awsRequestId: 'test' })).resolves.toEqual({ forwarded: 1, skipped: 0 });

    const [message] = await queue.receive(queueUrl, 1, 5);
    expect(JSON.parse(message!.Body!)).toMatchObject({
      v: 1,
      bucket: 'thumbs-bucket',
      key: 'thumbnails/user one/a b(c)',
    });
  });
});
