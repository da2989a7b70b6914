import { Injectable, Logger } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';

/**
 * Stops polling and waits for in-flight messages before the app closes its database pool.
 * nestjs-sqs stops consumers in onModuleDestroy without waiting, which would race the
 * Prisma disconnect, so shutdown goes through here first.
 */
@Injectable()
export class ConsumerDrainService {
  private readonly logger = new Logger(ConsumerDrainService.name);

  constructor(private readonly sqs: SqsService) {}

  async drain(graceMs: number): Promise<boolean> {
    const consumers = [...this.sqs.consumers.values()].map((c) => c.instance);
    const drained = await Promise.all(
      consumers.map(
        (consumer) =>
          new Promise<boolean>((resolve) => {
            if (!consumer.status.isRunning) return resolve(true);
            const timer = setTimeout(() => resolve(false), graceMs);
            consumer.once('stopped', () => {
              clearTimeout(timer);
              resolve(true);
            });
            consumer.stop();
          }),
      ),
    );
    const complete = drained.every(Boolean);
    if (complete) this.logger.log('consumers drained: in-flight messages finished');
    else this.logger.warn(`grace of ${graceMs} ms ran out; unfinished messages will be redelivered`);
    return complete;
  }
}
