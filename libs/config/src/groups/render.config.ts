import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** On-demand rendering by the API (render-url and the render route). */
export const renderEnv = z.object({
  // Unset: on-demand rendering is off (render-url answers 503). Shared by every API task.
  RENDER_SIGNING_SECRET: z.string().min(32, 'RENDER_SIGNING_SECRET must be at least 32 characters').optional(),
  RENDER_URL_TTL_SECONDS: envInt(60, 30 * 24 * 3600).default(24 * 3600),
  RENDER_MAX_SIDE: envInt(16, 16_384).default(4096),
  RENDER_MAX_INPUT_PIXELS: envInt(1, 1_000_000_000).default(50_000_000),
  RENDER_CONCURRENCY: envInt(1, 64).default(2),
  RENDER_QUEUE_MAX: envInt(0, 10_000).default(16),
  RENDER_TIMEOUT_MS: envInt(100, 120_000).default(15_000),
  // 0 turns the cache of recently read originals off.
  RENDER_ORIGINAL_CACHE_MB: envInt(0, 4096).default(48),
  RENDER_ORIGINAL_RECHECK_MS: envInt(0, 60_000).default(1000),
  // Larger originals are rendered from a scratch file and never cached in memory.
  RENDER_ORIGINAL_MEMORY_MAX_MB: envInt(1, 1024).default(32),
  // render-url mints per user and minute; each new size is a render the origin pays for.
  RENDER_URL_RATE_LIMIT_PER_MINUTE: envInt(1, 1_000_000).default(60),
  // Requested widths and heights are rounded up to the next step of this ladder (px).
  RENDER_SIZE_LADDER: z
    .string()
    .regex(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, 'expected px[,px...]')
    .default('64,128,256,320,480,640,768,960,1200,1600,2048,2560,3200,4096'),
  // Above this many output pixels AVIF is encoded with at most the capped effort and quality.
  RENDER_AVIF_CAP_PIXELS: envInt(1, 1_000_000_000).default(1_000_000),
  RENDER_AVIF_MAX_EFFORT: envInt(0, 9).default(1),
  RENDER_AVIF_MAX_QUALITY: envInt(1, 100).default(60),
  // Set (production): the render route answers only requests carrying X-Origin-Verify with this
  // value, which the CDN adds as a custom origin header, so nobody can bypass the CDN's cache.
  RENDER_ORIGIN_SECRET: z.string().min(32, 'RENDER_ORIGIN_SECRET must be at least 32 characters').optional(),
});

export type RenderEnv = z.output<typeof renderEnv>;

export function toRenderConfig(env: RenderEnv) {
  return {
    signingSecret: env.RENDER_SIGNING_SECRET,
    urlTtlSeconds: env.RENDER_URL_TTL_SECONDS,
    maxSide: env.RENDER_MAX_SIDE,
    maxInputPixels: env.RENDER_MAX_INPUT_PIXELS,
    concurrency: env.RENDER_CONCURRENCY,
    queueMax: env.RENDER_QUEUE_MAX,
    timeoutMs: env.RENDER_TIMEOUT_MS,
    /** Memory for recently read originals (0 = off), and how often a cached one is re-checked with S3. */
    originalCacheBytes: env.RENDER_ORIGINAL_CACHE_MB * 1024 * 1024,
    originalRecheckMs: env.RENDER_ORIGINAL_RECHECK_MS,
    /** Originals above this are rendered from a scratch file, never held (or cached) in memory. */
    originalMemoryMaxBytes: env.RENDER_ORIGINAL_MEMORY_MAX_MB * 1024 * 1024,
    urlRatePerMinute: env.RENDER_URL_RATE_LIMIT_PER_MINUTE,
    /** Allowed output sides in px, ascending; requests are rounded up to the next one. */
    sizeLadder: [...new Set(env.RENDER_SIZE_LADDER.split(',').map((side) => Number(side.trim())))]
      .filter((side) => side > 0)
      .sort((a, b) => a - b),
    avifCap: {
      pixels: env.RENDER_AVIF_CAP_PIXELS,
      effort: env.RENDER_AVIF_MAX_EFFORT,
      quality: env.RENDER_AVIF_MAX_QUALITY,
    },
    /** When set, the render route requires X-Origin-Verify with this value (only the CDN has it). */
    originSecret: env.RENDER_ORIGIN_SECRET,
  };
}

export type RenderConfig = ConfigOf<ReturnType<typeof toRenderConfig>>;
