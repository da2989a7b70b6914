import type { Sharp } from 'sharp';
import { runPipeline, sharpFor, withTimeout, type ImageSource, type RenderedImage } from './sharp-pipeline';

export const RENDER_FITS = ['cover', 'contain', 'inside'] as const;
export type RenderFit = (typeof RENDER_FITS)[number];

export const RENDER_FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export const RENDER_CONTENT_TYPES: Record<RenderFormat, string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export interface ResizeSpec {
  width?: number;
  height?: number;
  fit: RenderFit;
  format: RenderFormat;
  /** 1..100; ignored by PNG (lossless). */
  quality: number;
  /** AVIF encoder effort 0..9 (default 2); callers cap it for large outputs. */
  effort?: number;
}

export interface ResizeLimits {
  /** Refuses larger inputs before decoding them (decompression bombs). */
  maxPixels: number;
  /** sharp's own processing timeout; callers add their own deadline around queueing and I/O. */
  timeoutMs?: number;
}

function encode(pipeline: Sharp, format: RenderFormat, quality: number, effort = 2): Sharp {
  switch (format) {
    case 'avif':
      // effort 2: the default (4) costs several times the CPU for a few percent of bytes.
      return pipeline.avif({ quality, effort });
    case 'webp':
      return pipeline.webp({ quality });
    case 'jpeg':
      return pipeline.jpeg({ quality, mozjpeg: false });
    case 'png':
      return pipeline.png();
  }
}

/**
 * A resized copy that is safe to serve publicly: upright (EXIF orientation applied), with the
 * ICC profile kept so colours stay right, and no EXIF/XMP/IPTC (sharp writes none unless asked;
 * location and device data are personal data). Never enlarges. JPEG sources are decoded at a
 * reduced scale when the output is small, so memory tracks the output more than the input.
 */
export async function renderResized(
  source: ImageSource,
  spec: ResizeSpec,
  limits: ResizeLimits,
): Promise<RenderedImage> {
  let pipeline = sharpFor(source, { limitInputPixels: limits.maxPixels, failOn: 'error', sequentialRead: true })
    .rotate()
    .resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit,
      withoutEnlargement: true,
      // JPEG has no alpha: letterbox in white there, transparent elsewhere.
      background: spec.format === 'jpeg' ? { r: 255, g: 255, b: 255, alpha: 1 } : { r: 0, g: 0, b: 0, alpha: 0 },
    })
    .keepIccProfile();
  pipeline = encode(withTimeout(pipeline, limits.timeoutMs), spec.format, spec.quality, spec.effort);
  // sharp's own errors go out as they are: the render service maps their messages (pixel limit, timeout).
  const { data, info } = await runPipeline(pipeline, source, (p) => p.toBuffer({ resolveWithObject: true }), {
    decoderErrors: 'as-is',
  });
  return { body: data, contentType: RENDER_CONTENT_TYPES[spec.format], width: info.width, height: info.height };
}

/**
 * Several longest-side WebP sizes from one read of the source: the clones share the input,
 * so the original is fetched once however many presets there are.
 */
export async function renderRenditions(
  source: ImageSource,
  sizes: readonly { name: string; maxSide: number }[],
  limits: ResizeLimits,
): Promise<Map<string, RenderedImage>> {
  const base = withTimeout(
    sharpFor(source, { limitInputPixels: limits.maxPixels, failOn: 'error' }).rotate(),
    limits.timeoutMs,
  );
  const made = await runPipeline(base, source, (input) =>
    Promise.all(
      sizes.map(async (size) => {
        const { data, info } = await input
          .clone()
          .resize({ width: size.maxSide, height: size.maxSide, fit: 'inside', withoutEnlargement: true })
          .keepIccProfile()
          .webp({ quality: 80 })
          .toBuffer({ resolveWithObject: true });
        const image: RenderedImage = { body: data, contentType: 'image/webp', width: info.width, height: info.height };
        return [size.name, image] as const;
      }),
    ),
  );
  return new Map(made);
}
