import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsMessageHandler, SqsService } from '@ssut/nestjs-sqs';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { isAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';
import { ObjectIngestService } from './object-ingest.service';

/**
 * The consumers of the uploads queue, one per poller. nestjs-sqs binds one handler method per
 * consumer name, hence one small method per poller below; `WORKER_POLLERS` picks how many run.
 */
export const UPLOADS_POLLERS = ['uploads', 'uploads-overlap'] as const;

export function uploadPollers(count: number): string[] {
  return UPLOADS_POLLERS.slice(0, count);
}

@Injectable()
export class UploadEventHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger(UploadEventHandler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly ingest: ObjectIngestService,
    private readonly metrics: WorkerMetrics,
    private readonly sqs: SqsService,
  ) {}

  /** nestjs-sqs only warns about a consumer without a handler; a worker that would not consume must not start. */
  onApplicationBootstrap(): void {
    const unbound = uploadPollers(this.config.consumer.pollers).filter((name) => !this.sqs.consumers.has(name));
    if (unbound.length > 0) throw new Error(`No handler is bound to the SQS consumer(s) ${unbound.join(', ')}`);
  }

  @SqsMessageHandler(UPLOADS_POLLERS[0], true)
  poll(messages: Message[]): Promise<Message[]> {
    return this.handleBatch(messages);
  }

  @SqsMessageHandler(UPLOADS_POLLERS[1], true)
  pollOverlapping(messages: Message[]): Promise<Message[]> {
    return this.handleBatch(messages);
  }

  /**
   * One receive's messages, each handled on its own, concurrently: one failing never holds
   * back or fails the others. The messages returned are those whose outcome is stored, and
   * sqs-consumer deletes them with one DeleteMessageBatch instead of one call each. A message
   * left out stays on the queue: it returns after the visibility timeout, and after
   * maxReceiveCount SQS moves it to the DLQ.
   */
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
