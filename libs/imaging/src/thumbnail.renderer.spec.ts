import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { makeJpeg, makePng, UNDECODABLE_IMAGES } from '@lib/testing';
import { inspectImage, HEAD_BYTES, TAIL_BYTES } from './image-inspector';
import { UndecodableImageError } from './sharp-pipeline';
import { decodeAllFrames, renderThumbnail } from './thumbnail.renderer';

const LIMITS = { maxSide: 64, maxPixels: 10_000_000, timeoutSeconds: 10 };

describe('renderThumbnail: the proof that an image decodes (real bytes)', () => {
  it.each(Object.entries(UNDECODABLE_IMAGES))(
    '%s passes the header checks but does not decode',
    async (_name, { make, contentType }) => {
      const bytes = await make();
      const sample = { size: bytes.length, head: bytes.subarray(0, HEAD_BYTES), tail: bytes.subarray(-TAIL_BYTES) };
      // The defect this guards against: the header alone says "fine".
      expect(await inspectImage(sample, { declaredType: contentType, maxPixels: 1e7 })).toMatchObject({ ok: true });
      await expect(renderThumbnail(bytes, LIMITS)).rejects.toBeInstanceOf(UndecodableImageError);
    },
  );

  it('decodes good images of every kind and makes an upright WebP', async () => {
    for (const bytes of [await makeJpeg(300, 200, { exifOrientation: 6 }), await makePng(30, 20)]) {
      const thumbnail = await renderThumbnail(bytes, LIMITS);
      expect((await sharp(thumbnail.body).metadata()).format).toBe('webp');
    }
    const rotated = await renderThumbnail(await makeJpeg(300, 200, { exifOrientation: 6 }), LIMITS);
    expect([rotated.width, rotated.height]).toEqual([43, 64]);
  });

  it('refuses an input above the pixel bound without decoding it', async () => {
    await expect(renderThumbnail(await makeJpeg(300, 200), { ...LIMITS, maxPixels: 1000 })).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
  });

  it('decodes every frame of an animated image, and refuses one whose later frame is corrupt', async () => {
    const frames = await sharp({ create: { width: 40, height: 120, channels: 3, background: '#808080' } })
      .gif()
      .toBuffer();
    const animated = await sharp(frames, { pages: -1 }).gif().toBuffer();
    await expect(decodeAllFrames(animated, LIMITS)).resolves.toBeUndefined();
    await expect(
      decodeAllFrames(await UNDECODABLE_IMAGES['a GIF with a corrupt frame'].make(), LIMITS),
    ).rejects.toBeInstanceOf(UndecodableImageError);
  });

  it('reports a failing source stream as what it is (transient), not as undecodable bytes', async () => {
    const stream = new PassThrough();
    const result = renderThumbnail(stream, LIMITS);
    stream.write((await makeJpeg(300, 200)).subarray(0, 500));
    stream.destroy(new Error('socket hang up'));
    await expect(result).rejects.toThrow('socket hang up');
    await expect(result).rejects.not.toBeInstanceOf(UndecodableImageError);
  });

  it('rejects a corrupt image streamed in as undecodable once the stream ends, rather than hanging', async () => {
    const stream = new PassThrough();
    const result = renderThumbnail(stream, LIMITS);
    stream.end(await UNDECODABLE_IMAGES['a JPEG with corrupt scan data'].make());
    await expect(result).rejects.toBeInstanceOf(UndecodableImageError);
  });

  it("rejects with the stream's own error when it fails before sending a byte", async () => {
    const stream = new PassThrough();
    const result = renderThumbnail(stream, LIMITS);
    stream.destroy(new Error('connection reset'));
    await expect(result).rejects.toThrow('connection reset');
  });
});
