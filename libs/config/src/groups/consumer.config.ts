import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** The worker's uploads-queue consumer. */
export const consumerEnv = z.object({
  WORKER_BATCH_SIZE: envInt(1, 10).default(10),
  WORKER_POLLERS: envInt(1, 8).default(2),
  WORKER_VISIBILITY_TIMEOUT_SECONDS: envInt(1, 43200).default(60),
  WORKER_HEARTBEAT_SECONDS: envInt(1, 43200).default(20),
  WORKER_WAIT_TIME_SECONDS: envInt(0, 20).default(20),
  WORKER_SHUTDOWN_GRACE_SECONDS: envInt(1, 600).default(25),
});

export type ConsumerEnv = z.output<typeof consumerEnv>;

export function checkConsumerEnv(env: ConsumerEnv, ctx: z.RefinementCtx): void {
  if (env.WORKER_HEARTBEAT_SECONDS >= env.WORKER_VISIBILITY_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['WORKER_HEARTBEAT_SECONDS'],
      message: 'must be shorter than WORKER_VISIBILITY_TIMEOUT_SECONDS, or messages reappear mid-work',
    });
  }
}

export function toConsumerConfig(env: ConsumerEnv) {
  return {
    batchSize: env.WORKER_BATCH_SIZE,
    /** Receives in flight on the uploads queue, so the next one overlaps the current batch's work. */
    pollers: env.WORKER_POLLERS,
    visibilityTimeoutSeconds: env.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    heartbeatSeconds: env.WORKER_HEARTBEAT_SECONDS,
    waitTimeSeconds: env.WORKER_WAIT_TIME_SECONDS,
    shutdownGraceSeconds: env.WORKER_SHUTDOWN_GRACE_SECONDS,
  };
}

export type ConsumerConfig = ConfigOf<ReturnType<typeof toConsumerConfig>>;
