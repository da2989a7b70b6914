import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** Invalidation of deleted images' CDN paths by the worker. */
export const cdnEnv = z.object({
  // Unset: invalidations are recorded locally (logged) instead of sent to CloudFront.
  CDN_DISTRIBUTION_ID: z.string().min(1).max(128).optional(),
  CDN_INVALIDATION_INTERVAL_SECONDS: envInt(1, 3600).default(10),
  // CloudFront allows 15 wildcard paths in progress per distribution; one batch stays within it.
  CDN_INVALIDATION_MAX_PATHS: envInt(1, 3000).default(15),
});

export function toCdnConfig(env: z.output<typeof cdnEnv>) {
  return {
    distributionId: env.CDN_DISTRIBUTION_ID,
    intervalSeconds: env.CDN_INVALIDATION_INTERVAL_SECONDS,
    maxPathsPerBatch: env.CDN_INVALIDATION_MAX_PATHS,
  };
}

/** Without a distribution the invalidation calls are only recorded. */
export type CdnConfig = ConfigOf<ReturnType<typeof toCdnConfig>>;
