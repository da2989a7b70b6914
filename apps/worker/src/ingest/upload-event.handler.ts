import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsMessageHandler } from '@ssut/nestjs-sqs';
import { isAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';
import { ObjectIngestService } from './object-ingest.service';

export const UPLOADS_CONSUMER = 'uploads';

@Injectable()
export class UploadEventHandler {
  private readonly logger = new Logger(UploadEventHandler.name);

  constructor(
    private readonly ingest: ObjectIngestService,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * One receive's messages, each handled on its own, concurrently: one failing never holds
   * back or fails the others. The messages returned are those whose outcome is stored, and
   * sqs-consumer deletes them with one DeleteMessageBatch instead of one call each. A message
   * left out stays on the queue: it returns after the visibility timeout, and after
   * maxReceiveCount SQS moves it to the DLQ.
   */
  @SqsMessageHandler(UPLOADS_CONSUMER, true)
  async handleBatch(messages: Message[]): Promise<Message[]> {
    const handled = await Promise.all(
      messages.map((message) =>
        this.handle(message).then(
          () => message,
          (error: unknown) => {
            this.logger.warn({
              msg: 'message left for redelivery',
              messageId: message.MessageId,
              receiveCount: message.Attributes?.ApproximateReceiveCount,
              error: isAppError(error) ? error.code : String(error),
            });
            return null;
          },
        ),
      ),
    );
    return handled.filter((message): message is Message => message !== null);
  }

  /** Resolves once the message's outcome is stored; throws on a transient fault. */
  async handle(message: Message): Promise<void> {
    const stopTimer = this.metrics.duration.startTimer();
    try {
      const result = await this.ingest.ingest({
        messageId: message.MessageId ?? '',
        body: message.Body,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      });
      this.metrics.processed.inc({ outcome: result.outcome });
      if (result.reason) this.metrics.rejected.inc({ reason: result.reason });
    } catch (error) {
      this.metrics.failed.inc({ code: isAppError(error) ? error.code : 'unexpected' });
      throw error;
    } finally {
      stopTimer();
    }
  }
}
