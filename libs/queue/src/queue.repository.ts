import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  Message,
  MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { withAws } from '@lib/errors';

export interface OutgoingMessage {
  id: string;
  body: string;
  attributes?: Record<string, string>;
}

export interface FailedEntry {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** SQS allows at most 10 entries per batch call. */
export const SQS_MAX_BATCH = 10;

function toAttributes(attributes?: Record<string, string>): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

export class QueueRepository {
  constructor(private readonly sqs: SQSClient) {}

  /** Sends up to 10 messages; returns the entries SQS refused, so callers retry only those. */
  async sendBatch(queueUrl: string, messages: OutgoingMessage[]): Promise<FailedEntry[]> {
    if (messages.length === 0) return [];
    if (messages.length > SQS_MAX_BATCH) throw new RangeError(`at most ${SQS_MAX_BATCH} messages per batch`);
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m) => ({
            Id: m.id,
            MessageBody: m.body,
            MessageAttributes: toAttributes(m.attributes),
          })),
        }),
      );
      return (out.Failed ?? []).map((f) => ({
        id: f.Id ?? '',
        code: f.Code ?? 'Unknown',
        message: f.Message ?? '',
        senderFault: f.SenderFault ?? false,
      }));
    });
  }

  async send(queueUrl: string, body: string, attributes?: Record<string, string>): Promise<string> {
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: toAttributes(attributes) }),
      );
      return out.MessageId ?? '';
    });
  }

  async receive(queueUrl: string, max: number, visibilityTimeoutSeconds: number, waitSeconds = 0): Promise<Message[]> {
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(max, SQS_MAX_BATCH),
          VisibilityTimeout: visibilityTimeoutSeconds,
          WaitTimeSeconds: waitSeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      return out.Messages ?? [];
    });
  }

  async delete(queueUrl: string, receiptHandle: string): Promise<void> {
    return withAws('SQS', async () => {
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    });
  }

  async depth(queueUrl: string): Promise<QueueDepth> {
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = out.Attributes ?? {};
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    });
  }

  /**
   * Sets the visibility timeout of up to 10 received messages; 0 makes them visible again at
   * once. Returns the ids SQS refused (typically: the receipt handle has expired).
   */
  async changeVisibilityBatch(
    queueUrl: string,
    entries: { id: string; receiptHandle: string; visibilityTimeoutSeconds: number }[],
  ): Promise<FailedEntry[]> {
    if (entries.length === 0) return [];
    if (entries.length > SQS_MAX_BATCH) throw new RangeError(`at most ${SQS_MAX_BATCH} entries per batch`);
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((e) => ({
            Id: e.id,
            ReceiptHandle: e.receiptHandle,
            VisibilityTimeout: e.visibilityTimeoutSeconds,
          })),
        }),
      );
      return toFailedEntries(out.Failed);
    });
  }

  /** Deletes up to 10 received messages; returns the ids SQS refused. */
  async deleteBatch(queueUrl: string, entries: { id: string; receiptHandle: string }[]): Promise<FailedEntry[]> {
    if (entries.length === 0) return [];
    if (entries.length > SQS_MAX_BATCH) throw new RangeError(`at most ${SQS_MAX_BATCH} entries per batch`);
    return withAws('SQS', async () => {
      const out = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.receiptHandle })),
        }),
      );
      return toFailedEntries(out.Failed);
    });
  }

  /** The URL of a queue in this account and region, by name. */
  async urlOf(queueName: string): Promise<string> {
    return withAws('SQS', async () => {
      const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      return out.QueueUrl ?? '';
    });
  }
}

function toFailedEntries(
  failed: { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[] | undefined,
): FailedEntry[] {
  return (failed ?? []).map((f) => ({
    id: f.Id ?? '',
    code: f.Code ?? 'Unknown',
    message: f.Message ?? '',
    senderFault: f.SenderFault ?? false,
  }));
}
