import { crc32 } from 'node:zlib';
import { gradient } from './images';

/** A noisy gradient, so every format has real entropy-coded data to corrupt. */
const source = (width: number, height: number) => gradient(width, height, { noise: true });

function scramble(bytes: Buffer, from: number, count: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = from; i < from + count && i < out.length; i++) out[i]! ^= 0xa5;
  return out;
}

/** Valid signature, IHDR and IEND, and an IDAT with a correct CRC whose compressed pixels are garbage. */
export async function pngWithCorruptPixels(width = 400, height = 300): Promise<Buffer> {
  const png = Buffer.from(await source(width, height).png().toBuffer());
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    if (png.toString('latin1', offset + 4, offset + 8) === 'IDAT') {
      const data = offset + 8 + Math.floor(length / 3);
      for (let i = data; i < data + 40; i++) png[i]! ^= 0x5a;
      png.writeUInt32BE(crc32(png.subarray(offset + 4, offset + 8 + length)), offset + 8 + length);
      return png;
    }
    offset += 12 + length;
  }
  throw new Error('no IDAT');
}

/** Cut in the middle of its scan, with an end-of-image marker appended so the tail looks complete. */
export async function jpegCutMidScan(width = 400, height = 300): Promise<Buffer> {
  const jpeg = await source(width, height).jpeg().toBuffer();
  return Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length / 2)), Buffer.from([0xff, 0xd9])]);
}

/** Entropy-coded data overwritten in the middle; header and end marker intact. */
export async function jpegWithCorruptScan(width = 400, height = 300): Promise<Buffer> {
  const jpeg = await source(width, height).jpeg().toBuffer();
  return scramble(jpeg, Math.floor(jpeg.length / 2), 200);
}

/** Truncated with its RIFF and VP8 chunk sizes patched to match, so the length checks pass. */
export async function webpTruncated(width = 400, height = 300): Promise<Buffer> {
  const webp = await source(width, height).webp().toBuffer();
  const cut = Buffer.from(webp.subarray(0, Math.floor(webp.length * 0.6)));
  cut.writeUInt32LE(cut.length - 8, 4);
  cut.writeUInt32LE(cut.length - 20, 16);
  return cut;
}

/** LZW frame data overwritten; the trailer byte intact. */
export async function gifWithCorruptFrame(width = 400, height = 300): Promise<Buffer> {
  const gif = await source(width, height).gif().toBuffer();
  return scramble(gif, Math.floor(gif.length / 2), 200);
}

/** Its `mdat` payload cut short: the header (ftyp, meta) is intact. */
export async function avifTruncated(width = 400, height = 300): Promise<Buffer> {
  const avif = await source(width, height).avif({ effort: 2 }).toBuffer();
  return avif.subarray(0, Math.floor(avif.length * 0.7));
}

export const UNDECODABLE_IMAGES = {
  'a PNG with corrupt IDAT': { make: pngWithCorruptPixels, contentType: 'image/png' },
  'a JPEG cut mid-scan (EOI appended)': { make: jpegCutMidScan, contentType: 'image/jpeg' },
  'a JPEG with corrupt scan data': { make: jpegWithCorruptScan, contentType: 'image/jpeg' },
  'a truncated WebP (sizes patched)': { make: webpTruncated, contentType: 'image/webp' },
  'a GIF with a corrupt frame': { make: gifWithCorruptFrame, contentType: 'image/gif' },
  'a truncated AVIF': { make: avifTruncated, contentType: 'image/avif' },
} as const;
