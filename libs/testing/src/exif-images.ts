import sharp, { Metadata } from 'sharp';
import { makeJpeg } from './images';

/** The EXIF tag that points at the GPS IFD: present only when the file carries a location. */
const GPS_IFD_POINTER = [0x88, 0x25] as const;

/** What a phone writes: camera make and model, and a GPS position. */
export const PHONE_EXIF = {
  IFD0: { Make: 'TestCam', Model: 'Phone X', Software: 'camera 1.0' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '48/1 51/1 2981/100',
    GPSLongitudeRef: 'E',
    GPSLongitude: '2/1 17/1 4000/100',
  },
};

/**
 * A JPEG as a phone writes it: camera make and model, a GPS position, an ICC profile and,
 * optionally, an EXIF orientation (the pixels are stored sideways, like a portrait photo).
 */
export async function makeJpegWithGps(
  width = 640,
  height = 480,
  options: { exifOrientation?: number } = {},
): Promise<Buffer> {
  const plain = await makeJpeg(width, height);
  return sharp(plain)
    .withExif(PHONE_EXIF)
    .withMetadata({ orientation: options.exifOrientation ?? 1 })
    .withIccProfile('p3')
    .jpeg({ quality: 90 })
    .toBuffer();
}

export function exifHasGps(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  const [a, b] = GPS_IFD_POINTER;
  return exif.includes(Buffer.from([a, b])) || exif.includes(Buffer.from([b, a]));
}

/** What a served image must not carry: any EXIF, XMP or IPTC block. */
export function personalMetadataOf(meta: Metadata): string[] {
  const found: string[] = [];
  if (meta.exif) found.push(exifHasGps(meta.exif) ? 'exif+gps' : 'exif');
  if (meta.xmp) found.push('xmp');
  if (meta.iptc) found.push('iptc');
  return found;
}
