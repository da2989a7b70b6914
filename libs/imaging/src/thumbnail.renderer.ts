import type { Sharp } from 'sharp';
import { runPipeline, sharpFor, type ImageSource, type RenderedImage } from './sharp-pipeline';

export interface DecodeLimits {
  /** Refuses larger inputs before decoding them (decompression bombs). */
  maxPixels: number;
  /** A decode still running after this long is abandoned (libvips checks it between tiles). */
  timeoutSeconds?: number;
}

/**
 * A decoder that fails on any libvips/libjpeg warning (corrupt or truncated entropy data would
 * otherwise be painted grey and pass), bounded in pixels and time.
 */
export function strictDecoder(source: ImageSource, limits: DecodeLimits, options: { animated?: boolean } = {}): Sharp {
  const pipeline = sharpFor(source, {
    limitInputPixels: limits.maxPixels,
    failOn: 'warning',
    ...(options.animated ? { pages: -1 } : {}),
  });
  return limits.timeoutSeconds ? pipeline.timeout({ seconds: limits.timeoutSeconds }) : pipeline;
}

/**
 * A WebP thumbnail, longest side `maxSide`, upright (EXIF orientation applied), the colour
 * profile kept, and without EXIF/XMP/IPTC: sharp writes none unless asked, and location data is
 * personal data. Decoding is strict (see strictDecoder), so a thumbnail made is also the proof
 * that the image's first frame decodes in full. JPEG sources are decoded at a reduced scale, so
 * memory tracks the output.
 */
export function renderThumbnail(
  source: ImageSource,
  options: { maxSide: number } & DecodeLimits,
): Promise<RenderedImage> {
  const pipeline = strictDecoder(source, options)
    .rotate()
    .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    .keepIccProfile()
    .webp({ quality: 80 });
  return runPipeline(pipeline, source, async (p) => {
    const { data, info } = await p.toBuffer({ resolveWithObject: true });
    return { body: data, contentType: 'image/webp', width: info.width, height: info.height };
  });
}

/**
 * Decodes every frame of an animated image (a thumbnail shows only the first), to a tiny
 * output: proof that the frames after the first are not corrupt.
 */
export async function decodeAllFrames(source: ImageSource, limits: DecodeLimits): Promise<void> {
  const pipeline = strictDecoder(source, limits, { animated: true }).resize({ width: 16 }).raw();
  await runPipeline(pipeline, source, (p) => p.toBuffer());
}
