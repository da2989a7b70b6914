import type { Readable } from 'node:stream';
import sharp, { Sharp, SharpOptions } from 'sharp';

/**
 * What an image is read from. A string is a file path: libvips reads the file itself, a region
 * at a time, where a stream or a buffer means the whole encoded image in memory (sharp collects
 * a stream before decoding). Originals are always given as files.
 */
export type ImageSource = Readable | Buffer | string;

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  width: number;
  height: number;
}

/** The input could not be decoded fully (corrupt pixel data, truncation, too slow, too large). */
export class UndecodableImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndecodableImageError';
  }
}

/** A pipeline that reads `source` itself when it is a file; otherwise runPipeline feeds it. */
export function sharpFor(source: ImageSource, options: SharpOptions): Sharp {
  return typeof source === 'string' ? sharp(source, options) : sharp(options);
}

/** sharp's own processing limit, in whole seconds (at least one), when `timeoutMs` is set. */
export function withTimeout(pipeline: Sharp, timeoutMs: number | undefined): Sharp {
  return timeoutMs ? pipeline.timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) }) : pipeline;
}

export interface RunOptions {
  /**
   * `undecodable` (the default): a failure of the decoder becomes an UndecodableImageError, a
   * property of the bytes. `as-is`: it is rethrown unchanged, for callers that map sharp's own
   * messages (pixel limit, timeout) themselves.
   */
  decoderErrors?: 'undecodable' | 'as-is';
}

/**
 * Runs `pipeline` (its outputs set up by `run`) on `source`. A failure of the source stream (S3 went away
 * mid-body) is rethrown as it is — a transient fault for the caller to retry — while a failure
 * of the decoder is reported as `options.decoderErrors` says.
 */
export async function runPipeline<T>(
  pipeline: Sharp,
  source: ImageSource,
  run: (pipeline: Sharp) => Promise<T>,
  options: RunOptions = {},
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
    if (options.decoderErrors === 'as-is') throw error;
    throw new UndecodableImageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}
