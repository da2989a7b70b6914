import type { Readable } from 'node:stream';
import sharp, { Sharp, SharpOptions } from 'sharp';

/**
 * What an image is read from. A string is a file path: libvips reads the file itself, a region
 * at a time, where a stream or a buffer means the whole encoded image in memory (sharp collects
 * a stream before decoding). Originals are always given as files.
 */
export type ImageSource = Readable | Buffer | string;

/** A pipeline that reads `source` itself when it is a file; otherwise runPipeline feeds it. */
export function sharpFor(source: ImageSource, options: SharpOptions): Sharp {
  return typeof source === 'string' ? sharp(source, options) : sharp(options);
}

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  width: number;
  height: number;
}

export interface DecodeLimits {
  /** Refuses larger inputs before decoding them (decompression bombs). */
  maxPixels: number;
  /** A decode still running after this long is abandoned (libvips checks it between tiles). */
  timeoutSeconds?: number;
}

/** The input could not be decoded fully (corrupt pixel data, truncation, too slow, too large). */
export class UndecodableImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndecodableImageError';
  }
}

/**
 * Runs `pipeline` (its outputs set up by `run`) on `source`. A failure of the source stream (S3 went away
 * mid-body) is rethrown as it is — a transient fault for the caller to retry — while a failure
 * of the decoder becomes an UndecodableImageError, a property of the bytes.
 */
export async function runPipeline<T>(
  pipeline: Sharp,
  source: ImageSource,
  run: (pipeline: Sharp) => Promise<T>,
): Promise<T> {
  let sourceError: Error | undefined;
  let sourceFailed: Promise<never> = new Promise<never>(() => undefined);
  // Outputs first (clones must exist before the input arrives), then the input.
  const running = run(pipeline);
  if (Buffer.isBuffer(source)) {
    pipeline.end(source);
  } else if (typeof source !== 'string') {
    // pipe() does not forward errors, and destroying sharp with an error leaves its toBuffer()
    // pending (and the error unheard): the source's failure settles the run instead.
    sourceFailed = new Promise<never>((_, reject) =>
      source.once('error', (error) => {
        sourceError = error;
        source.unpipe(pipeline);
        pipeline.destroy();
        reject(error);
      }),
    );
    source.pipe(pipeline);
  }
  try {
    return await Promise.race([running, sourceFailed]);
  } catch (error) {
    if (sourceError) throw sourceError;
    throw new UndecodableImageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
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
