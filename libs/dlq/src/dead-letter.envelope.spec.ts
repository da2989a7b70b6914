import type { Message } from '@aws-sdk/client-sqs';
import { MAX_EXCEEDED_REASON, parseDeadLetter, redriveBodies } from './dead-letter.envelope';

const SENT = Date.UTC(2026, 10, 22, 12, 0, 0);
const KEY = 'originals/alice/0b7f0d4e-7a4b-4c1e-9a53-1f6a7d9c2e10';

function sqsMessage(body: string, extra: Partial<Message> = {}): Message {
  return {
    MessageId: 'm-1',
    ReceiptHandle: 'rh-1',
    Body: body,
    Attributes: { ApproximateReceiveCount: '4', SentTimestamp: String(SENT) },
    ...extra,
  };
}

const uploadEvent = {
  v: 1,
  bucket: 'image-originals',
  key: KEY,
  size: 1234,
  eTag: 'abc',
  sequencer: '00A1',
  eventTime: '2026-11-22T12:00:00.000Z',
  eventName: 'ObjectCreated:Put',
};

/** What the Lambda service (and tools/local-stack/lambda-runner.ts) writes to the destination. */
function lambdaRecord(keys: string[]) {
  return {
    version: '1.0',
    timestamp: '2026-11-22T12:00:05.000Z',
    requestContext: {
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:s3-event-forwarder:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: {
      Records: keys.map((key, i) => ({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: '2026-11-22T12:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: 'image-originals' },
          object: { key, size: 10 + i, eTag: `e${i}`, sequencer: `00B${i}` },
        },
      })),
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'ForwardingFailedError', errorMessage: '1 message(s) could not be sent to SQS' },
  };
}

describe('parseDeadLetter', () => {
  it('reads a malformed message the worker dead-lettered itself, with its attributes', () => {
    const message = sqsMessage('{"v":2,"key":"' + KEY + '"}', {
      MessageAttributes: {
        failedStage: { DataType: 'String', StringValue: 'worker' },
        failureReason: { DataType: 'String', StringValue: 'invalid message: v Invalid literal value, expected 1' },
        sourceMessageId: { DataType: 'String', StringValue: 'src-1' },
      },
    });
    expect(parseDeadLetter(message)).toEqual({
      messageId: 'm-1',
      stage: 'worker',
      envelope: 'worker-dead-letter',
      objectKeys: [KEY],
      reason: 'invalid message: v Invalid literal value, expected 1',
      receiveCount: 4,
      sentAt: new Date(SENT),
    });
  });

  it('shows no key for a dead-lettered body that is not JSON', () => {
    const message = sqsMessage('not json', {
      MessageAttributes: {
        failedStage: { DataType: 'String', StringValue: 'worker' },
        failureReason: { DataType: 'String', StringValue: 'message body is not JSON' },
      },
    });
    expect(parseDeadLetter(message)).toMatchObject({ objectKeys: [], reason: 'message body is not JSON' });
  });

  it('reads a v1 upload event SQS moved after maxReceiveCount', () => {
    expect(parseDeadLetter(sqsMessage(JSON.stringify(uploadEvent)))).toEqual({
      messageId: 'm-1',
      stage: 'worker',
      envelope: 'redriven-upload-event',
      objectKeys: [KEY],
      reason: MAX_EXCEEDED_REASON,
      receiveCount: 4,
      sentAt: new Date(SENT),
    });
  });

  it('reads a Lambda on-failure destination record as a forwarder failure, with decoded keys', () => {
    const parsed = parseDeadLetter(sqsMessage(JSON.stringify(lambdaRecord([KEY, 'originals/bob/my+photo%21']))));
    expect(parsed).toEqual({
      messageId: 'm-1',
      stage: 'forwarder',
      envelope: 'lambda-destination',
      objectKeys: [KEY, 'originals/bob/my photo!'],
      reason: 'ForwardingFailedError: 1 message(s) could not be sent to SQS (RetriesExhausted)',
      receiveCount: 3,
      sentAt: new Date(SENT),
    });
  });

  it('keeps a key with a broken escape as it came instead of throwing', () => {
    const parsed = parseDeadLetter(sqsMessage(JSON.stringify(lambdaRecord(['originals/x/%E0%A4%A']))));
    expect(parsed.objectKeys).toEqual(['originals/x/%E0%A4%A']);
  });

  it('falls back to the condition when the record carries no error', () => {
    const record = { ...lambdaRecord([KEY]), responsePayload: null };
    record.requestContext.condition = 'EventAgeExceeded';
    expect(parseDeadLetter(sqsMessage(JSON.stringify(record))).reason).toBe('EventAgeExceeded');
  });

  it('never throws on anything else, and still counts it', () => {
    for (const body of [undefined, '', '[]', 'null', '{"hello":1}', '{"key":42}']) {
      expect(parseDeadLetter(sqsMessage(body as string, { Attributes: undefined }))).toMatchObject({
        stage: 'worker',
        envelope: 'unknown',
        objectKeys: [],
        receiveCount: 0,
        sentAt: null,
      });
    }
  });

  it('cuts very long reasons', () => {
    const message = sqsMessage('x', {
      MessageAttributes: {
        failedStage: { DataType: 'String', StringValue: 'worker' },
        failureReason: { DataType: 'String', StringValue: 'r'.repeat(5000) },
      },
    });
    expect(parseDeadLetter(message).reason.length).toBe(500);
  });
});

describe('redriveBodies', () => {
  it('sends a worker failure back as it came', () => {
    const body = JSON.stringify(uploadEvent);
    expect(redriveBodies(sqsMessage(body))).toEqual([body]);
  });

  it('replays a forwarder failure as the upload events the forwarder would have sent', () => {
    const bodies = redriveBodies(sqsMessage(JSON.stringify(lambdaRecord([KEY, 'originals/bob/my+photo']))));
    expect(bodies.map((b) => JSON.parse(b))).toEqual([
      {
        v: 1,
        bucket: 'image-originals',
        key: KEY,
        size: 10,
        eTag: 'e0',
        sequencer: '00B0',
        eventTime: '2026-11-22T12:00:00.000Z',
        eventName: 'ObjectCreated:Put',
      },
      expect.objectContaining({ key: 'originals/bob/my photo', sequencer: '00B1' }),
    ]);
  });

  it('has nothing to replay for a record without upload keys', () => {
    expect(redriveBodies(sqsMessage(JSON.stringify(lambdaRecord(['elsewhere/x']))))).toEqual([]);
  });
});
