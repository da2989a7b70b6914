import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { loadWorkerConfig } from '@lib/config';
import { jsonLogOptions, JsonLogger } from '@lib/observability';
import { ConsumerDrainService } from './consumer-drain.service';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  // The API's line shape (the same logger over the shared pino options); no HTTP, so no request ids.
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new JsonLogger(pino(jsonLogOptions(config.logLevel))),
  });
  const logger = new Logger('Worker');
  logger.log({ msg: 'worker started', queue: config.queue.uploadsQueueUrl });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: 'shutting down', signal });
    const drained = await app.get(ConsumerDrainService).drain(config.consumer.shutdownGraceSeconds * 1000);
    await app.close();
    process.exit(drained ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
