import type { Readable } from 'node:stream';
import sharp from 'sharp';

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  width: number;
  height: number;
}

/**
 * A WebP thumbnail, longest side `maxSide`, upright (EXIF orientation applied) and without
 * any metadata: sharp drops EXIF/XMP/IPTC unless asked to keep it, and location data is
 * personal data. JPEG sources are decoded at a reduced scale, so memory tracks the output.
 */
export async function renderThumbnail(
  source: Readable | Buffer,
  options: { maxSide: number; maxPixels: number },
): Promise<RenderedImage> {
  const pipeline = sharp({ limitInputPixels: options.maxPixels, failOn: 'error' })
    .rotate()
    .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 });
  if (Buffer.isBuffer(source)) pipeline.end(source);
  else source.pipe(pipeline);
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { body: data, contentType: 'image/webp', width: info.width, height: info.height };
}
