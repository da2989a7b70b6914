import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

export const storageEnv = z.object({
  S3_ORIGINALS_BUCKET: z.string().min(3).default('image-originals'),
  S3_THUMBNAILS_BUCKET: z.string().min(3).default('image-thumbnails'),
  DOWNLOAD_URL_TTL_SECONDS: envInt(10, 7 * 24 * 3600).default(300),
  // `thumb` is always the upload's thumbnail (the client's or the worker's); these are made too.
  RENDITION_PRESETS: z
    .string()
    .regex(
      /^\s*[a-z][a-z0-9-]{0,31}:\d{2,4}\s*(,\s*[a-z][a-z0-9-]{0,31}:\d{2,4}\s*)*$/,
      'expected name:px[,name:px...]',
    )
    .default('card:640,large:1600'),
  // Originals are spooled here (never held whole in memory) to be hashed and decoded: worker and API.
  ORIGINALS_TEMP_DIR: z.string().min(1).optional(),
});

/** Only the API builds public URLs; the worker's storage config leaves the CDN base unset. */
export const cdnBaseUrlEnv = z.object({
  CDN_BASE_URL: z.string().url().optional(),
});

export type StorageEnv = z.output<typeof storageEnv> & Partial<z.output<typeof cdnBaseUrlEnv>>;

export function toStorageConfig(env: StorageEnv) {
  return {
    originalsBucket: env.S3_ORIGINALS_BUCKET,
    thumbnailsBucket: env.S3_THUMBNAILS_BUCKET,
    downloadUrlTtlSeconds: env.DOWNLOAD_URL_TTL_SECONDS,
    cdnBaseUrl: env.CDN_BASE_URL?.replace(/\/+$/, ''),
    /** Pre-made sizes besides `thumb`, longest side in px. */
    renditionPresets: env.RENDITION_PRESETS.split(',').map((entry) => {
      const [name, side] = entry.trim().split(':') as [string, string];
      return { name, maxSide: Number(side) };
    }),
    /** Scratch directory where originals are spooled to be hashed and decoded from a file. */
    originalsTempDir: env.ORIGINALS_TEMP_DIR ?? join(tmpdir(), 'image-originals'),
  };
}

export type StorageConfig = ConfigOf<ReturnType<typeof toStorageConfig>>;
export type RenditionPreset = StorageConfig['renditionPresets'][number];
