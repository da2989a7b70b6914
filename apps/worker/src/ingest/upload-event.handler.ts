import { Injectable } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsMessageHandler } from '@ssut/nestjs-sqs';
import { isAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';
import { ObjectIngestService } from './object-ingest.service';

export const UPLOADS_CONSUMER = 'uploads';

@Injectable()
export class UploadEventHandler {
  constructor(
    private readonly ingest: ObjectIngestService,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * Resolving acknowledges (deletes) the message; throwing leaves it for redelivery after
   * the visibility timeout, and after maxReceiveCount SQS moves it to the DLQ.
   */
  @SqsMessageHandler(UPLOADS_CONSUMER, false)
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
