import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { FailedEntry, OutgoingMessage } from '@lib/queue';
import { decodeS3Key, forwardS3Event, ForwarderDeps, ForwardingFailedError } from './s3-event.forwarder';

function record(key: string, eventName = 'ObjectCreated:Put', sequencer = '0055AED6DCD90281E5'): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-11-22T10:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'x' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'c',
      bucket: { name: 'originals', ownerIdentity: { principalId: 'x' }, arn: 'arn:aws:s3:::originals' },
      object: { key, size: 10, eTag: 'abc', sequencer },
    },
  } as S3EventRecord;
}

/** A strict fake of the queue: records each batch and fails entries as scripted. */
function fakeQueue(script: Array<(batch: OutgoingMessage[]) => FailedEntry[]>) {
  const calls: OutgoingMessage[][] = [];
  return {
    calls,
    sendBatch: async (_url: string, batch: OutgoingMessage[]) => {
      calls.push(batch);
      const next = script.shift();
      return next ? next(batch) : [];
    },
  };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function deps(queue: ForwarderDeps['queue']): ForwarderDeps {
  return { queue, queueUrl: 'q', maxAttempts: 3, baseDelayMs: 1, log: silent, sleep: async () => undefined };
}

describe('forwardS3Event', () => {
  it('decodes form-encoded keys (+ is a space)', () => {
    expect(decodeS3Key('originals/u/a+b%28c%29%2Bd')).toBe('originals/u/a b(c)+d');
  });

  it('sends the versioned message for upload keys and skips everything else', async () => {
    const queue = fakeQueue([]);
    const event: S3Event = {
      Records: [
        record('originals/alice/1b4e28ba-2fa1-41d2-883f-0016d3cca427'),
        record('other/file'),
        record('originals/alice/x', 'ObjectRemoved:Delete'),
      ],
    };
    expect(await forwardS3Event(event, deps(queue))).toEqual({ forwarded: 1, skipped: 2 });
    expect(JSON.parse(queue.calls[0]![0]!.body)).toEqual({
      v: 1,
      bucket: 'originals',
      key: 'originals/alice/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      size: 10,
      eTag: 'abc',
      sequencer: '0055AED6DCD90281E5',
      eventTime: '2026-11-22T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
    });
  });

  it('sends in chunks of ten', async () => {
    const queue = fakeQueue([]);
    const records = Array.from({ length: 25 }, (_, i) => record(`thumbnails/u/${i}`));
    await forwardS3Event({ Records: records }, deps(queue));
    expect(queue.calls.map((c) => c.length)).toEqual([10, 10, 5]);
  });

  it('retries only the entries SQS refused', async () => {
    const queue = fakeQueue([
      (batch) => [{ id: batch[1]!.id, code: 'InternalError', message: 'try again', senderFault: false }],
    ]);
    await forwardS3Event({ Records: [record('originals/u/a'), record('originals/u/b')] }, deps(queue));
    expect(queue.calls.map((c) => c.map((m) => JSON.parse(m.body).key))).toEqual([
      ['originals/u/a', 'originals/u/b'],
      ['originals/u/b'],
    ]);
  });

  it('throws after the last attempt so Lambda retries and finally dead-letters the event', async () => {
    const fail = (batch: OutgoingMessage[]) =>
      batch.map((m) => ({ id: m.id, code: 'ServiceUnavailable', message: 'down', senderFault: false }));
    const queue = fakeQueue([fail, fail, fail]);
    await expect(forwardS3Event({ Records: [record('originals/u/a')] }, deps(queue))).rejects.toBeInstanceOf(
      ForwardingFailedError,
    );
    expect(queue.calls).toHaveLength(3);
  });
});
