import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate, crc32 } from 'node:zlib';
import sharp, { Sharp } from 'sharp';

/** Raw RGB pixels with some structure (a gradient), not a flat colour; `noise` adds more entropy. */
export function gradient(width: number, height: number, options: { noise?: boolean } = {}): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = options.noise ? (x * y) % 256 : 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

/** A PNG of random pixels (incompressible, so its size is about width × height × 3). */
export function makeNoisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** A real JPEG with some structure (a gradient), not a flat colour. */
export async function makeJpeg(width = 640, height = 480, options: { exifOrientation?: number } = {}): Promise<Buffer> {
  let image = gradient(width, height);
  if (options.exifOrientation) image = image.withMetadata({ orientation: options.exifOrientation });
  return image.jpeg({ quality: 85 }).toBuffer();
}

/**
 * Pads a JPEG to an exact length with a comment (COM) segment after SOI: still a valid JPEG
 * ending in its EOI marker, so two different images can share a declared size.
 */
export function padJpeg(jpeg: Buffer, length: number): Buffer {
  const padding = length - jpeg.length - 4;
  if (padding < 0 || padding > 65_533) throw new RangeError(`cannot pad ${jpeg.length} bytes to ${length}`);
  const segment = Buffer.alloc(4 + padding, 0x20);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(padding + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** A real PNG of pseudo-random pixels, stored uncompressed: about width × height × 3 bytes. */
export function noisyPng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.imul(i, 2654435761) >>> 24) ^ (i & 0xff);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

export function makePng(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#cc3366' } })
    .png()
    .toBuffer();
}

export function makeWebp(width = 256, height = 192): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#33cc66' } })
    .webp()
    .toBuffer();
}

export const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
);

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A complete, valid 20000×20000 greyscale PNG (about 0.4 GB of pixels, a few hundred KB on
 * disk): a decompression bomb. Written once per machine to the temp directory.
 */
export async function decompressionBombPng(side = 20_000): Promise<string> {
  const path = join(tmpdir(), `bomb-${side}.png`);
  if (existsSync(path)) return path;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const idat: Buffer[] = [];
  const deflate = createDeflate({ level: 9 });
  deflate.on('data', (data: Buffer) => idat.push(data));
  const row = Buffer.alloc(side + 1); // filter byte + one zero byte per pixel
  await new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
    let written = 0;
    const pump = () => {
      while (written < side) {
        written++;
        if (!deflate.write(row)) return deflate.once('drain', pump);
      }
      deflate.end();
    };
    pump();
  });
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(idat)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('error', reject);
    out.end(png, resolve);
  });
  return path;
}
