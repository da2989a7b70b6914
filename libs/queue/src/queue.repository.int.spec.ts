import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { testAws, uniqueName } from '@lib/testing';
import { QueueRepository } from './queue.repository';
import { createSqsClient } from './sqs-client.factory';

describe('QueueRepository against the SQS emulator', () => {
  const sqs = createSqsClient(testAws());
  const queue = new QueueRepository(sqs);
  let queueUrl: string;

  beforeAll(async () => {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('q') }))).QueueUrl!;
  });
  afterAll(() => sqs.destroy());

  it('sends a batch, receives it with attributes, and deletes it', async () => {
    const failed = await queue.sendBatch(queueUrl, [
      { id: '0', body: 'one', attributes: { failedStage: 'worker' } },
      { id: '1', body: 'two' },
    ]);
    expect(failed).toEqual([]);
    expect((await queue.depth(queueUrl)).visible).toBe(2);

    const messages = await queue.receive(queueUrl, 10, 30);
    expect(messages.map((m) => m.Body).sort()).toEqual(['one', 'two']);
    expect(messages.find((m) => m.Body === 'one')?.MessageAttributes?.failedStage?.StringValue).toBe('worker');
    for (const message of messages) await queue.delete(queueUrl, message.ReceiptHandle!);
    expect(await queue.depth(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses more than ten entries per batch before calling SQS', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: String(i), body: 'x' }));
    await expect(queue.sendBatch(queueUrl, eleven)).rejects.toThrow(RangeError);
  });
});
