import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';
import { AwsEnv } from './aws.config';
import { uploadsQueueEnv } from './queue.config';

/** The S3-event forwarder Lambda's retries of its sends to the uploads queue. */
export const forwarderEnv = z.object({
  FORWARDER_MAX_ATTEMPTS: envInt(1, 10).default(4),
  FORWARDER_BASE_DELAY_MS: envInt(1, 10_000).default(100),
});

export function toForwarderConfig(
  env: Pick<AwsEnv, 'AWS_REGION' | 'AWS_ENDPOINT_URL'> &
    z.output<typeof uploadsQueueEnv> &
    z.output<typeof forwarderEnv>,
) {
  return {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    uploadsQueueUrl: env.UPLOADS_QUEUE_URL,
    maxAttempts: env.FORWARDER_MAX_ATTEMPTS,
    baseDelayMs: env.FORWARDER_BASE_DELAY_MS,
  };
}

export type ForwarderConfig = ConfigOf<ReturnType<typeof toForwarderConfig>>;
