import sharp from 'sharp';
import { exifHasGps, makeJpegWithGps, personalMetadataOf } from '@lib/testing';
import { renderRenditions, renderResized } from './resize.renderer';

describe('renderResized / renderRenditions (real sharp)', () => {
  let phonePhoto: Buffer;

  beforeAll(async () => {
    // Stored 400×300 with orientation 6: upright it is 300 wide and 400 high.
    phonePhoto = await makeJpegWithGps(400, 300, { exifOrientation: 6 });
  });

  it('starts from a photo that really carries GPS EXIF, an orientation and an ICC profile', async () => {
    const meta = await sharp(phonePhoto).metadata();
    expect(exifHasGps(meta.exif)).toBe(true);
    expect(meta.orientation).toBe(6);
    expect(meta.icc).toBeDefined();
  });

  it.each(['avif', 'webp', 'jpeg', 'png'] as const)('writes %s upright, ICC kept, without EXIF', async (format) => {
    const out = await renderResized(
      phonePhoto,
      { width: 150, fit: 'inside', format, quality: 70 },
      { maxPixels: 10_000_000 },
    );
    const meta = await sharp(out.body).metadata();
    expect(meta.format).toBe(format === 'avif' ? 'heif' : format);
    expect(personalMetadataOf(meta)).toEqual([]);
    expect(meta.icc).toBeDefined();
    expect([out.width, out.height]).toEqual([150, 200]);
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('covers and contains to the exact box, never enlarging', async () => {
    const cover = await renderResized(
      phonePhoto,
      { width: 100, height: 100, fit: 'cover', format: 'webp', quality: 80 },
      { maxPixels: 1e7 },
    );
    expect([cover.width, cover.height]).toEqual([100, 100]);
    const contain = await renderResized(
      phonePhoto,
      { width: 200, height: 100, fit: 'contain', format: 'png', quality: 80 },
      { maxPixels: 1e7 },
    );
    expect([contain.width, contain.height]).toEqual([200, 100]);
    const big = await renderResized(
      phonePhoto,
      { width: 4000, fit: 'inside', format: 'jpeg', quality: 80 },
      { maxPixels: 1e7 },
    );
    expect([big.width, big.height]).toEqual([300, 400]);
  });

  it('refuses an input above the pixel limit', async () => {
    await expect(
      renderResized(phonePhoto, { width: 10, fit: 'inside', format: 'webp', quality: 80 }, { maxPixels: 1000 }),
    ).rejects.toThrow(/pixel limit/i);
  });

  it('makes every preset from one read, upright and without EXIF', async () => {
    const made = await renderRenditions(
      phonePhoto,
      [
        { name: 'card', maxSide: 200 },
        { name: 'large', maxSide: 1600 },
      ],
      { maxPixels: 1e7 },
    );
    expect([made.get('card')!.width, made.get('card')!.height]).toEqual([150, 200]);
    expect([made.get('large')!.width, made.get('large')!.height]).toEqual([300, 400]);
    for (const rendition of made.values()) {
      const meta = await sharp(rendition.body).metadata();
      expect(meta.format).toBe('webp');
      expect(personalMetadataOf(meta)).toEqual([]);
    }
  });
});
