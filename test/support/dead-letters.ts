import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { uniqueName, waitFor } from '@lib/testing';
import { LocalLambdaRunner } from '../../tools/local-stack/lambda-runner';
import type { TestStack } from './test-stack';

/** Total DLQ count (visible, in flight, delayed), as the monitor and the admin route count. */
export async function dlqDepth(stack: TestStack): Promise<number> {
  const depth = await stack.queue.depth(stack.resources.deadLetterQueueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

/**
 * Puts `count` bodies the worker cannot parse on the uploads queue; the worker dead-letters
 * each at once (with failedStage/failureReason attributes). Each names an object key, so the
 * alerts have something to show.
 */
export async function poisonUploadsQueue(stack: TestStack, count: number, prefix = 'poison'): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `originals/${prefix}/${i}`);
  for (let i = 0; i < keys.length; i += 10) {
    const failed = await stack.queue.sendBatch(
      stack.resources.uploadsQueueUrl,
      keys.slice(i, i + 10).map((key, j) => ({ id: String(j), body: JSON.stringify({ v: 99, key }) })),
    );
    if (failed.length) throw new Error(`could not queue poison messages: ${JSON.stringify(failed)}`);
  }
  return keys;
}

export async function waitForDlqDepth(stack: TestStack, depth: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await dlqDepth(stack)) === depth, { what: `${depth} message(s) in the DLQ`, timeoutMs });
}

/**
 * Makes the forwarder fail for real on an S3 event naming `keys`: the Lambda stand-in runs a
 * handler that throws, retries it, then writes its on-failure destination record to the DLQ,
 * exactly as it does when the real forwarder cannot reach SQS.
 */
export async function failForwarder(stack: TestStack, keys: string[]): Promise<void> {
  const events = await stack.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('failing-events') }));
  const before = await dlqDepth(stack);
  const runner = new LocalLambdaRunner({
    queue: stack.queue,
    eventsQueueUrl: events.QueueUrl!,
    onFailureQueueUrl: stack.resources.deadLetterQueueUrl,
    handler: async () => {
      throw new Error('SQS SendMessageBatch timed out');
    },
    retryDelaysMs: [10, 10],
  });
  await stack.queue.send(
    events.QueueUrl!,
    JSON.stringify({
      Records: keys.map((key) => ({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: stack.resources.originalsBucket },
          // S3 form-encodes keys in events: a space arrives as `+`.
          object: { key: key.replace(/ /g, '+'), size: 10, eTag: 'etag', sequencer: '' },
        },
      })),
    }),
  );
  runner.start();
  try {
    await waitFor(async () => (await dlqDepth(stack)) > before, { what: 'the forwarder failure in the DLQ' });
  } finally {
    await runner.stop();
  }
}
