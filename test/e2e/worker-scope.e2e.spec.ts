import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import type { UploadEventMessage } from '@lib/contracts';
import { ObjectStorageRepository } from '@lib/storage';
import { makeJpeg, waitFor } from '@lib/testing';
import { startTestStack, TestStack } from '../support/test-stack';

describe('the worker acts only on its buckets and the upload key layout', () => {
  let stack: TestStack;
  let storage: ObjectStorageRepository;

  beforeAll(async () => {
    stack = await startTestStack({ api: false, forwarder: false });
    storage = new ObjectStorageRepository(stack.s3);
  });
  afterAll(() => stack.stop());

  const id = randomUUID();
  // [what, bucket (o = originals, t = thumbnails, or a name), key]
  const outside: [string, string, string][] = [
    ["another bucket's object", 'someone-elses-bucket', `originals/mallory/${id}`],
    ['a rendition in the thumbnails bucket', 't', `renditions/mallory/${id}/card.webp`],
    ['a quarantined object', 'o', `quarantine/originals/mallory/${id}`],
    ['an original key in the thumbnails bucket', 't', `originals/mallory/${id}`],
    ['a thumbnail key in the originals bucket', 'o', `thumbnails/mallory/${id}`],
    ['an extra trailing segment', 'o', `originals/mallory/${id}/x`],
    ['an extra middle segment', 'o', `originals/mallory/x/${id}`],
    ['an empty user segment', 'o', `originals//${id}`],
    ['a dot-dot user segment', 'o', `originals/../${id}`],
    ['a traversal through the prefix', 'o', `originals/../thumbnails/mallory/${id}`],
    ['a percent-escaped user segment', 'o', `originals/%2e%2e/${id}`],
    ['a bidi override in the user segment', 'o', `originals/mal\u202Elory/${id}`],
    ['an upload id that is no UUID', 'o', 'originals/mallory/not-an-upload-id'],
    ['an upper-case upload id', 'o', `originals/mallory/${id.toUpperCase()}`],
  ];

  it('dead-letters each of them with the reason as an attribute, and deletes nothing', async () => {
    const bucketOf = (b: string) =>
      b === 'o' ? stack.resources.originalsBucket : b === 't' ? stack.resources.thumbnailsBucket : b;
    const jpeg = await makeJpeg(32, 32);
    const placed: { bucket: string; key: string }[] = [];
    for (const [, b, key] of outside) {
      const bucket = bucketOf(b);
      if (b === 'o' || b === 't') {
        await stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: jpeg }));
        placed.push({ bucket, key });
      }
      const message: UploadEventMessage = {
        v: 1,
        bucket,
        key,
        size: jpeg.length,
        eTag: '',
        sequencer: 'FF',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
      };
      await stack.queue.send(stack.resources.uploadsQueueUrl, JSON.stringify(message));
    }

    const dead: Message[] = [];
    await waitFor(
      async () => {
        dead.push(...(await stack.queue.receive(stack.resources.deadLetterQueueUrl, 10, 60)));
        return dead.length >= outside.length;
      },
      { what: `${outside.length} dead letters`, timeoutMs: 30_000 },
    );
    const byKey = new Map(
      dead.map((m) => [(JSON.parse(m.Body!) as UploadEventMessage).key, m.MessageAttributes ?? {}] as const),
    );
    for (const [what, , key] of outside) {
      expect({ what, reason: byKey.get(key)?.failureReason?.StringValue }).toEqual({
        what,
        reason: expect.stringMatching(/^outside the upload layout: /),
      });
      expect(byKey.get(key)?.failedStage?.StringValue).toBe('worker');
    }
    for (const object of placed) {
      expect({ ...object, exists: (await storage.head(object.bucket, object.key)) !== null }).toEqual({
        ...object,
        exists: true,
      });
    }
  });
});
