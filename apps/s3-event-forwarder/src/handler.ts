import type { Context, S3Event } from 'aws-lambda';
import { loadForwarderConfig } from '@lib/config';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { jsonLog } from './json-log';
import { forwardS3Event, ForwardResult } from './s3-event.forwarder';

// Built once per execution environment, not per invocation: warm invocations reuse the
// client's connections and the validated config.
const config = loadForwarderConfig(process.env);
const queue = new QueueRepository(createSqsClient({ region: config.region, endpoint: config.endpoint }));

export async function handler(event: S3Event, context?: Pick<Context, 'awsRequestId'>): Promise<ForwardResult> {
  const log = jsonLog({ awsRequestId: context?.awsRequestId });
  try {
    const result = await forwardS3Event(event, {
      queue,
      queueUrl: config.uploadsQueueUrl,
      maxAttempts: config.maxAttempts,
      baseDelayMs: config.baseDelayMs,
      log,
    });
    log.info('event forwarded', { ...result });
    return result;
  } catch (error) {
    log.error('event not forwarded', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
