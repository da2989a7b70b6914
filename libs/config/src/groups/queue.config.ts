import { z } from 'zod';
import { ConfigOf } from '../env-values';

/** The forwarder only sends to the uploads queue; the API and the worker also read the DLQ. */
export const uploadsQueueEnv = z.object({
  UPLOADS_QUEUE_URL: z.string().url(),
});

export const queueEnv = uploadsQueueEnv.extend({
  UPLOADS_DLQ_URL: z.string().url(),
});

export type QueueEnv = z.output<typeof queueEnv>;

export function toQueueConfig(env: QueueEnv) {
  return { uploadsQueueUrl: env.UPLOADS_QUEUE_URL, deadLetterQueueUrl: env.UPLOADS_DLQ_URL };
}

export type QueueConfig = ConfigOf<ReturnType<typeof toQueueConfig>>;
