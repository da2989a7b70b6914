export const THUMBNAIL_MAX_SIDE = 256;

export interface Thumbnail {
  blob: Blob;
  contentType: 'image/webp' | 'image/jpeg';
  width: number;
  height: number;
}

/** Scales to fit a square of `maxSide`, never up: a small image keeps its own size. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Makes the thumbnail in the browser, so the server never decodes or resizes on the upload
 * path. Drawing through a canvas also leaves EXIF (location, device) behind, and
 * createImageBitmap applies the EXIF orientation first, so the result is upright.
 * Returns null when this browser cannot decode the file: the server still judges the bytes,
 * and it makes its own thumbnail for an image that it accepts.
 */
export async function makeThumbnail(file: Blob, maxSide = THUMBNAIL_MAX_SIDE): Promise<Thumbnail | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  try {
    const size = fitWithin(bitmap.width, bitmap.height, maxSide);
    const canvas = createCanvas(size.width, size.height);
    const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!context) return null;
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    // Browsers that cannot encode WebP quietly hand back PNG; JPEG is the other accepted type.
    const webp = await encode(canvas, 'image/webp');
    if (webp?.type === 'image/webp') return { blob: webp, contentType: 'image/webp', ...size };
    const jpeg = await encode(canvas, 'image/jpeg');
    return jpeg?.type === 'image/jpeg' ? { blob: jpeg, contentType: 'image/jpeg', ...size } : null;
  } finally {
    bitmap.close();
  }
}

function createCanvas(width: number, height: number): OffscreenCanvas | HTMLCanvasElement {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  return Object.assign(document.createElement('canvas'), { width, height });
}

function encode(canvas: OffscreenCanvas | HTMLCanvasElement, type: string): Promise<Blob | null> {
  if (canvas instanceof HTMLCanvasElement) {
    return new Promise((resolve) => canvas.toBlob(resolve, type, 0.82));
  }
  return canvas.convertToBlob({ type, quality: 0.82 }).catch(() => null);
}
