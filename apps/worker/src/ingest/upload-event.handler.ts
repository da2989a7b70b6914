import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsConsumerEventHandler, SqsMessageHandler, SqsService } from '@ssut/nestjs-sqs';
import type { Consumer } from 'sqs-consumer';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { isAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';
import { ObjectIngestService } from './object-ingest.service';

/** The most pollers `WORKER_POLLERS` may ask for (each holds up to one receive's batch). */
export const MAX_UPLOAD_POLLERS = 8;

/**
 * The consumers of the uploads queue, one per poller; `WORKER_POLLERS` picks how many run. The
 * first two keep the names they had when there were only two (metrics labels, dashboards).
 */
export const UPLOADS_POLLERS: readonly string[] = [
  'uploads',
  'uploads-overlap',
  ...Array.from({ length: MAX_UPLOAD_POLLERS - 2 }, (_, i) => `uploads-${i + 3}`),
];

export function uploadPollers(count: number): string[] {
  return UPLOADS_POLLERS.slice(0, count);
}

/** How long a poller waits before its next receive after failed calls: doubling, capped. */
export const POLLER_BACKOFF = { baseMs: 250, maxMs: 10_000 };

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
    for (const name of uploadPollers(this.config.consumer.pollers)) {
      const consumer = this.sqs.consumers.get(name)!.instance;
      // Only `error` would kill the process unheard (EventEmitter throws it); it is bound by
      // the decorators below, before the consumers start. These two are reported the same way.
      consumer.on('processing_error', (error: Error) => this.queueError(name, 'processing_error', error));
      consumer.on('timeout_error', (error: Error) => this.queueError(name, 'timeout_error', error));
      // A receive that answered (with messages or without) ends the backoff.
      consumer.on('response_processed', () => resume(consumer));
      consumer.on('empty', () => resume(consumer));
    }
  }

  /**
   * A failed receive, delete or visibility change (the queue unreachable, throttled, …): logged,
   * counted, and the poller backs off; it keeps polling, so it resumes when the queue is back.
   * Messages whose delete failed are received again after their visibility timeout and judged
   * again, idempotently: nothing is lost.
   */
  queueError(poller: string, kind: string, error: Error): void {
    this.metrics.queueErrors.inc({ poller, kind });
    const consumer = this.sqs.consumers.get(poller)?.instance;
    const retryInMs = consumer ? backOff(consumer) : undefined;
    this.logger.warn({ msg: 'uploads queue call failed; backing off', poller, kind, error: error.message, retryInMs });
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

/**
 * nestjs-sqs binds each consumer name to one decorated method (its batch handler, and its `error`
 * listener, bound before the consumer starts, since an unheard `error` would kill the process).
 * One such pair per possible poller, made here instead of written out eight times.
 */
UPLOADS_POLLERS.forEach((name, index) => {
  const prototype = UploadEventHandler.prototype as unknown as Record<string, unknown>;
  const poll = `poll${index}`;
  const onError = `onPollerError${index}`;
  prototype[poll] = function (this: UploadEventHandler, messages: Message[]): Promise<Message[]> {
    return this.handleBatch(messages);
  };
  prototype[onError] = function (this: UploadEventHandler, error: Error): void {
    this.queueError(name, 'error', error);
  };
  SqsMessageHandler(name, true)(prototype, poll, Object.getOwnPropertyDescriptor(prototype, poll)!);
  SqsConsumerEventHandler(name, 'error')(prototype, onError, Object.getOwnPropertyDescriptor(prototype, onError)!);
});

function backOff(consumer: Consumer): number {
  const current = (consumer as unknown as { pollingWaitTimeMs?: number }).pollingWaitTimeMs ?? 0;
  const next = Math.min(POLLER_BACKOFF.maxMs, Math.max(POLLER_BACKOFF.baseMs, current * 2));
  consumer.updateOption('pollingWaitTimeMs', next);
  return next;
}

function resume(consumer: Consumer): void {
  if ((consumer as unknown as { pollingWaitTimeMs?: number }).pollingWaitTimeMs) {
    consumer.updateOption('pollingWaitTimeMs', 0);
  }
}
