import { Injectable } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsMessageHandler } from '@ssut/nestjs-sqs';
import { ObjectIngestService } from './object-ingest.service';

export const UPLOADS_CONSUMER = 'uploads';

@Injectable()
export class UploadEventHandler {
  constructor(private readonly ingest: ObjectIngestService) {}

  /**
   * Resolving acknowledges (deletes) the message; throwing leaves it for redelivery after
   * the visibility timeout, and after maxReceiveCount SQS moves it to the DLQ.
   */
  @SqsMessageHandler(UPLOADS_CONSUMER, false)
  async handle(message: Message): Promise<void> {
    await this.ingest.ingest({
      messageId: message.MessageId ?? '',
      body: message.Body,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    });
  }
}
