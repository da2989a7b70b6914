import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** Thumbnails the worker makes when the client sent none. */
export const thumbnailsEnv = z.object({
  THUMBNAIL_WAIT_SECONDS: envInt(0, 24 * 3600).default(60),
  THUMBNAIL_MAX_SIDE: envInt(16, 2048).default(256),
});

export function toThumbnailsConfig(env: z.output<typeof thumbnailsEnv>) {
  return { waitSeconds: env.THUMBNAIL_WAIT_SECONDS, maxSide: env.THUMBNAIL_MAX_SIDE };
}

export type ThumbnailsConfig = ConfigOf<ReturnType<typeof toThumbnailsConfig>>;
