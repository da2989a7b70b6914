import { fromBuffer } from 'file-type';
import sharp, { Metadata } from 'sharp';
import { ALLOWED_IMAGE_TYPES, RejectionReason } from '@lib/contracts';

/** Enough for the headers of real camera files (EXIF + ICC profiles come before the frame). */
export const HEAD_BYTES = 256 * 1024;
/** Enough to find the end-of-image marker of every allowed format. */
export const TAIL_BYTES = 64;

export interface ObjectSample {
  /** The object's total size in bytes (from HeadObject). */
  size: number;
  /** The first min(size, HEAD_BYTES) bytes. */
  head: Buffer;
  /** The last min(size, TAIL_BYTES) bytes. */
  tail: Buffer;
}

export interface InspectionPolicy {
  maxPixels: number;
  /** The type the client declared; the real bytes must agree with it. */
  declaredType: string;
  allowedTypes?: readonly string[];
}

export type Inspection =
  | {
      ok: true;
      contentType: string;
      width: number;
      height: number;
      /** Present for animated images (GIF, WebP): every frame must decode, not just the first. */
      frames?: number;
    }
  | { ok: false; reason: RejectionReason; detail: string };

const reject = (reason: RejectionReason, detail: string): Inspection => ({ ok: false, reason, detail });

function normaliseType(type: string): string {
  const base = type.split(';')[0]!.trim().toLowerCase();
  return base === 'image/jpg' || base === 'image/pjpeg' ? 'image/jpeg' : base;
}

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);

/**
 * Catches truncated uploads from the last bytes alone, without reading the whole object:
 * every allowed format has an end marker or a declared length.
 */
function isComplete(contentType: string, sample: ObjectSample): boolean {
  switch (contentType) {
    case 'image/jpeg':
      // Entropy-coded data stuffs 0xFF bytes, so FF D9 near the end can only be the EOI marker.
      return sample.tail.includes(JPEG_EOI);
    case 'image/png':
      return sample.tail.includes(PNG_IEND);
    case 'image/gif':
      return sample.tail[sample.tail.length - 1] === 0x3b;
    case 'image/webp':
      return sample.head.length >= 8 && sample.head.readUInt32LE(4) + 8 === sample.size;
    default:
      return true;
  }
}

/**
 * Decides from a small sample of an object whether it really is an allowed image. It reads
 * the header only, so a decompression bomb is refused by its declared dimensions before
 * anything is decoded.
 */
export async function inspectImage(sample: ObjectSample, policy: InspectionPolicy): Promise<Inspection> {
  if (sample.size === 0) return reject(RejectionReason.Empty, 'The object is empty.');
  const sniffed = await fromBuffer(sample.head);
  if (!sniffed || !sniffed.mime.startsWith('image/')) {
    return reject(
      RejectionReason.NotAnImage,
      'The bytes are not an image (checked by their signature, not the declared type).',
    );
  }
  const allowed = policy.allowedTypes ?? ALLOWED_IMAGE_TYPES;
  if (!allowed.includes(sniffed.mime)) {
    return reject(RejectionReason.TypeNotAllowed, `Images of type ${sniffed.mime} are not accepted.`);
  }
  const declared = normaliseType(policy.declaredType);
  if (declared !== sniffed.mime) {
    return reject(RejectionReason.TypeMismatch, `Declared as ${declared} but the bytes are ${sniffed.mime}.`);
  }
  let meta: Metadata;
  try {
    // Only the header is parsed here, so sharp's own pixel limit (which would make a bomb look
    // like a corrupt file) is off; the declared dimensions are checked against ours below.
    meta = await sharp(sample.head, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch {
    return reject(RejectionReason.Corrupt, 'The image header could not be read.');
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) return reject(RejectionReason.Corrupt, 'The image has no dimensions.');
  const pixels = width * height * Math.max(1, meta.pages ?? 1);
  if (pixels > policy.maxPixels) {
    return reject(
      RejectionReason.TooManyPixels,
      `${width}×${height}${(meta.pages ?? 1) > 1 ? `×${meta.pages} frames` : ''} exceeds the limit of ${policy.maxPixels} pixels.`,
    );
  }
  if (!isComplete(sniffed.mime, sample)) {
    return reject(RejectionReason.Corrupt, 'The image is truncated (its end marker is missing).');
  }
  const frames = meta.pages ?? 1;
  return { ok: true, contentType: sniffed.mime, width, height, ...(frames > 1 ? { frames } : {}) };
}
