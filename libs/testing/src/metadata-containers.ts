import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PHONE_EXIF } from './exif-images';
import { makeJpeg, pngChunk } from './images';

/**
 * Where personal metadata can hide in each container, found by walking the file's own
 * structure (not by asking a decoder, which may not report what it does not understand):
 * JPEG APP1 (EXIF, XMP), APP13 (IPTC) and COM segments; PNG eXIf/tEXt/iTXt/zTXt chunks; WebP
 * EXIF/XMP chunks; AVIF/HEIF `Exif` and `mime` (XMP) items and `uuid` boxes; GIF comment and
 * XMP application extensions. Returns one label per block found, e.g. `jpeg:APP1/Exif`.
 */
export function metadataBlocksOf(bytes: Buffer): string[] {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegBlocks(bytes);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return pngBlocks(bytes);
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return webpBlocks(bytes);
  if (bytes.toString('latin1', 4, 8) === 'ftyp') return bmffBlocks(bytes);
  if (bytes.toString('latin1', 0, 3) === 'GIF') return gifBlocks(bytes);
  throw new Error('not a JPEG, PNG, WebP, AVIF/HEIF or GIF');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function jpegBlocks(bytes: Buffer): string[] {
  const found: string[] = [];
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // start of scan: no more metadata segments
    const length = bytes.readUInt16BE(offset + 2);
    const body = bytes.subarray(offset + 4, offset + 2 + length);
    if (marker === 0xe1) {
      const id = body.toString('latin1', 0, 29);
      found.push(
        id.startsWith('Exif')
          ? 'jpeg:APP1/Exif'
          : id.startsWith('http://ns.adobe.com/xap')
            ? 'jpeg:APP1/XMP'
            : 'jpeg:APP1',
      );
    }
    if (marker === 0xed) found.push('jpeg:APP13/IPTC');
    if (marker === 0xfe) found.push('jpeg:COM');
    offset += 2 + length;
  }
  return found;
}

function pngBlocks(bytes: Buffer): string[] {
  const found: string[] = [];
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (['eXIf', 'tEXt', 'iTXt', 'zTXt'].includes(type)) found.push(`png:${type}`);
    offset += 12 + length;
  }
  return found;
}

function webpBlocks(bytes: Buffer): string[] {
  const found: string[] = [];
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const type = bytes.toString('latin1', offset, offset + 4);
    const length = bytes.readUInt32LE(offset + 4);
    if (type === 'EXIF' || type === 'XMP ') found.push(`webp:${type.trim()}`);
    offset += 8 + length + (length % 2);
  }
  return found;
}

/** ISO BMFF (AVIF, HEIF): item types in meta/iinf, and uuid boxes anywhere at the top level. */
function bmffBlocks(bytes: Buffer): string[] {
  const found: string[] = [];
  const boxes = (from: number, to: number, visit: (type: string, body: number, end: number) => void) => {
    let offset = from;
    while (offset + 8 <= to) {
      let size = bytes.readUInt32BE(offset);
      const type = bytes.toString('latin1', offset + 4, offset + 8);
      let header = 8;
      if (size === 1) {
        size = Number(bytes.readBigUInt64BE(offset + 8));
        header = 16;
      } else if (size === 0) {
        size = to - offset;
      }
      if (size < header) break;
      visit(type, offset + header, Math.min(offset + size, to));
      offset += size;
    }
  };
  boxes(0, bytes.length, (type, body, end) => {
    if (type === 'uuid') found.push('bmff:uuid');
    if (type !== 'meta') return;
    boxes(body + 4, end, (child, childBody, childEnd) => {
      if (child !== 'iinf') return;
      const version = bytes[childBody]!;
      const entries = childBody + 4 + (version === 0 ? 2 : 4);
      boxes(entries, childEnd, (entry, entryBody) => {
        if (entry !== 'infe') return;
        const infeVersion = bytes[entryBody]!;
        if (infeVersion < 2) return;
        const itemType = bytes.toString('latin1', entryBody + 4 + (infeVersion === 2 ? 2 : 4) + 2).slice(0, 4);
        if (itemType === 'Exif') found.push('bmff:Exif');
        if (itemType === 'mime') found.push('bmff:mime/XMP');
      });
    });
  });
  return found;
}

function gifBlocks(bytes: Buffer): string[] {
  const found: string[] = [];
  if (bytes.includes(Buffer.from([0x21, 0xfe]))) found.push('gif:comment');
  if (bytes.includes(Buffer.from('XMP DataXMP', 'latin1'))) found.push('gif:XMP');
  return found;
}

const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N"/>
</rdf:RDF></x:xmpmeta>`;

export type MetadataFormat = 'jpeg' | 'png' | 'webp' | 'avif';

/**
 * An image of `format` carrying every kind of personal metadata its container can hold: EXIF
 * with GPS and a camera make and XMP in each; plus an IPTC (APP13) segment in JPEG and
 * tEXt/zTXt chunks in PNG, spliced in by hand since no encoder here writes them.
 */
export async function makeImageWithMetadata(format: MetadataFormat, width = 640, height = 480): Promise<Buffer> {
  const base = sharp(await makeJpeg(width, height))
    .withExif(PHONE_EXIF)
    .withXmp(XMP)
    .withIccProfile('p3');
  switch (format) {
    case 'jpeg':
      return withJpegSegment(await base.jpeg({ quality: 90 }).toBuffer(), 0xed, iptcPayload());
    case 'png':
      return withPngChunks(await base.png().toBuffer(), [
        ['tEXt', Buffer.from('Author\0Jane Doe, 48.8582 N 2.2945 E', 'latin1')],
        ['zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync('GPS 48.85')])],
      ]);
    case 'webp':
      return base.webp({ quality: 90 }).toBuffer();
    case 'avif':
      return base.avif({ quality: 60, effort: 2 }).toBuffer();
  }
}

function iptcPayload(): Buffer {
  // Photoshop IRB with one IPTC-NAA record (2:80 By-line).
  const name = Buffer.from('Jane Doe', 'latin1');
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 0x50, 0x00, name.length]), name]);
  const header = Buffer.from('Photoshop 3.0\x008BIM', 'latin1');
  const resource = Buffer.alloc(8);
  resource.writeUInt16BE(0x0404, 0);
  resource.writeUInt16BE(0, 2); // empty Pascal name, padded
  resource.writeUInt32BE(iptc.length, 4);
  return Buffer.concat([header, resource, iptc, iptc.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function withJpegSegment(jpeg: Buffer, marker: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt8(0xff, 0);
  header.writeUInt8(marker, 1);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

function withPngChunks(png: Buffer, chunks: [string, Buffer][]): Buffer {
  const iend = png.length - 12;
  return Buffer.concat([
    png.subarray(0, iend),
    ...chunks.map(([type, data]) => pngChunk(type, data)),
    png.subarray(iend),
  ]);
}
