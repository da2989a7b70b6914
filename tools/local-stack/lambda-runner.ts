import { randomUUID } from 'node:crypto';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { QueueRepository } from '@lib/queue';

export type S3Handler = (event: S3Event, context: { awsRequestId: string }) => Promise<unknown>;

export interface LambdaRunnerOptions {
  queue: Pick<QueueRepository, 'receive' | 'delete' | 'send'>;
  eventsQueueUrl: string;
  /** The forwarder's on-failure destination (the uploads DLQ). */
  onFailureQueueUrl: string;
  handler: S3Handler;
  functionArn?: string;
  /** Lambda retries a failed async invocation twice; the delays are shortened locally. */
  retryDelaysMs?: number[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface S3TestEvent {
  Event?: string;
}

/**
 * Stands in for the Lambda service locally: takes the emulator's bucket notifications off an
 * internal queue and invokes the forwarder's handler with them as an S3Event, with Lambda's
 * async semantics (two retries, then an on-failure destination record in the DLQ).
 */
export class LocalLambdaRunner {
  private running = false;
  private loop?: Promise<void>;
  private lastSequencer = 0n;

  constructor(private readonly options: LambdaRunnerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async poll(): Promise<void> {
    const { queue, eventsQueueUrl } = this.options;
    while (this.running) {
      let messages;
      try {
        messages = await queue.receive(eventsQueueUrl, 10, 60, 1);
      } catch (error) {
        this.options.log?.('receive failed; retrying', { error: (error as Error).message });
        await sleep(1_000);
        continue;
      }
      for (const message of messages) {
        try {
          await this.deliver(message.Body ?? '');
          await queue.delete(eventsQueueUrl, message.ReceiptHandle!);
        } catch (error) {
          // The queue went away mid-message (its DLQ record or the delete failed): the event
          // comes back after its visibility timeout; the loop goes on instead of dying.
          this.options.log?.('event not settled; it will be received again', { error: (error as Error).message });
          await sleep(1_000);
        }
      }
    }
  }

  private async deliver(body: string): Promise<void> {
    const parsed = JSON.parse(body) as S3Event & S3TestEvent;
    // S3 sends a test event when notifications are configured; Lambda never receives it.
    if (parsed.Event === 's3:TestEvent' || !Array.isArray(parsed.Records)) return;
    const event: S3Event = { Records: parsed.Records.map((r) => this.complete(r)) };
    const delays = this.options.retryDelaysMs ?? [1_000, 2_000];
    let lastError: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      const awsRequestId = randomUUID();
      try {
        await this.options.handler(event, { awsRequestId });
        return;
      } catch (error) {
        lastError = error;
        this.options.log?.('invocation failed', { attempt: attempt + 1, error: (error as Error).message });
        if (attempt < delays.length) await sleep(delays[attempt]!);
      }
    }
    await this.sendToDestination(event, lastError, delays.length + 1);
  }

  /** The record Lambda writes to an on-failure destination, so the DLQ monitor sees the real shape. */
  private async sendToDestination(event: S3Event, error: unknown, invokeCount: number): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn:
          this.options.functionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:s3-event-forwarder:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: invokeCount,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: err.name, errorMessage: err.message },
    };
    await this.options.queue.send(this.options.onFailureQueueUrl, JSON.stringify(record));
  }

  /**
   * LocalStack's notifications carry every field real S3 sends, but their sequencer is one fixed
   * placeholder (`0055AED6DCD90281E5` in every event, whatever the key or time). The worker orders
   * a key's events by it, so a second write to a key would look like a duplicate of the first;
   * the runner replaces it with strictly increasing ones, as S3's are for a key.
   */
  private complete(record: S3EventRecord): S3EventRecord {
    const fromTime = BigInt(Date.parse(record.eventTime) || Date.now()) * 1000n;
    this.lastSequencer = fromTime > this.lastSequencer ? fromTime : this.lastSequencer + 1n;
    const sequencer = this.lastSequencer.toString(16).toUpperCase().padStart(16, '0');
    return { ...record, s3: { ...record.s3, object: { ...record.s3.object, sequencer } } };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
