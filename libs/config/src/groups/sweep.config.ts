import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** The worker's periodic sweep (thumbnails, renditions, expiry) and the retries of its items. */
export const sweepEnv = z.object({
  SWEEP_INTERVAL_SECONDS: envInt(1, 3600).default(15),
  // While the uploads queue holds this many messages, thumbnails and renditions wait (0 = never).
  // One receive's worth: that many waiting means no poller could take them, so the worker is behind.
  SWEEP_YIELD_BACKLOG: envInt(0, 1_000_000).default(10),
  SWEEP_MAX_DEFER_SECONDS: envInt(0, 24 * 3600).default(600),
  UPLOAD_EXPIRY_GRACE_SECONDS: envInt(0, 7 * 24 * 3600).default(300),
  // Background passes: a failing item is retried with exponential backoff from this base, and
  // marked failed (for an admin to see) after this many attempts.
  BACKGROUND_RETRY_BASE_SECONDS: envInt(1, 24 * 3600).default(30),
  BACKGROUND_MAX_ATTEMPTS: envInt(1, 100).default(5),
});

export type SweepEnv = z.output<typeof sweepEnv>;

export function toSweepConfig(env: SweepEnv) {
  return {
    intervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    expiryGraceSeconds: env.UPLOAD_EXPIRY_GRACE_SECONDS,
    /** Uploads-queue backlog from which thumbnails and renditions yield to judging (0 = never). */
    yieldBacklog: env.SWEEP_YIELD_BACKLOG,
    /** While yielding, images READY at least this long still get theirs: nothing waits forever. */
    maxDeferSeconds: env.SWEEP_MAX_DEFER_SECONDS,
  };
}

/** Per-item retries of the background passes (thumbnails, renditions, expiry, erasure). */
export function toBackgroundConfig(env: SweepEnv) {
  return { retryBaseSeconds: env.BACKGROUND_RETRY_BASE_SECONDS, maxAttempts: env.BACKGROUND_MAX_ATTEMPTS };
}

export type SweepConfig = ConfigOf<ReturnType<typeof toSweepConfig>>;
export type BackgroundConfig = ConfigOf<ReturnType<typeof toBackgroundConfig>>;
