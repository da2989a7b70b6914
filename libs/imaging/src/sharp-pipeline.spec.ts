import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { makeJpeg } from '@lib/testing';
import { runPipeline, UndecodableImageError } from './sharp-pipeline';
import { renderRenditions, renderResized } from './resize.renderer';

const SPEC = { width: 50, fit: 'inside', format: 'webp', quality: 80 } as const;

describe('runPipeline: one way to feed sharp, for every renderer', () => {
  it("settles with the source stream's error for both renderers, never hanging on it", async () => {
    const jpeg = await makeJpeg(300, 200);
    const renders = [
      (stream: PassThrough) => renderResized(stream, SPEC, { maxPixels: 1e7 }),
      (stream: PassThrough) => renderRenditions(stream, [{ name: 'card', maxSide: 50 }], { maxPixels: 1e7 }),
    ];
    for (const render of renders) {
      const stream = new PassThrough();
      const result = render(stream);
      stream.write(jpeg.subarray(0, 500));
      stream.destroy(new Error('socket hang up'));
      await expect(result).rejects.toThrow('socket hang up');
      await expect(result).rejects.not.toBeInstanceOf(UndecodableImageError);
    }
  });

  it('reads a whole stream that ends well', async () => {
    const stream = new PassThrough();
    const result = renderResized(stream, SPEC, { maxPixels: 1e7 });
    stream.end(await makeJpeg(300, 200));
    expect(await result).toMatchObject({ width: 50, height: 33, contentType: 'image/webp' });
  });

  it('reports a decoder failure as undecodable bytes, or as it is when asked to', async () => {
    const garbage = Buffer.from('not an image at all');
    await expect(runPipeline(sharp(), garbage, (p) => p.toBuffer())).rejects.toBeInstanceOf(UndecodableImageError);
    const asIs = runPipeline(sharp(), garbage, (p) => p.toBuffer(), { decoderErrors: 'as-is' });
    await expect(asIs).rejects.toThrow(/unsupported image format/i);
    await expect(asIs).rejects.not.toBeInstanceOf(UndecodableImageError);
  });
});
