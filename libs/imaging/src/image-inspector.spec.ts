import { readFile } from 'node:fs/promises';
import { RejectionReason } from '@lib/contracts';
import { decompressionBombPng, makeJpeg, makePng, makeWebp, SVG } from '@lib/testing';
import { HEAD_BYTES, inspectImage, ObjectSample, TAIL_BYTES } from './image-inspector';

function sampleOf(bytes: Buffer): ObjectSample {
  return { size: bytes.length, head: bytes.subarray(0, HEAD_BYTES), tail: bytes.subarray(-TAIL_BYTES) };
}

const policy = { declaredType: 'image/jpeg', maxPixels: 50_000_000 };

describe('inspectImage (real image bytes)', () => {
  it('accepts a JPEG and reads its dimensions from the header', async () => {
    const jpeg = await makeJpeg(320, 200);
    expect(await inspectImage(sampleOf(jpeg), policy)).toEqual({
      ok: true,
      contentType: 'image/jpeg',
      width: 320,
      height: 200,
    });
  });

  it('accepts PNG and WebP when declared as such', async () => {
    expect(await inspectImage(sampleOf(await makePng(10, 20)), { ...policy, declaredType: 'image/png' })).toMatchObject(
      {
        ok: true,
        width: 10,
        height: 20,
      },
    );
    expect(
      await inspectImage(sampleOf(await makeWebp(30, 40)), { ...policy, declaredType: 'image/webp' }),
    ).toMatchObject({
      ok: true,
      width: 30,
      height: 40,
    });
  });

  it.each([
    ['an empty object', Buffer.alloc(0), RejectionReason.Empty],
    [
      'text declared as JPEG',
      Buffer.from('hello, this is plain text and not a JPEG at all'),
      RejectionReason.NotAnImage,
    ],
    ['SVG (scriptable, not on the allow-list)', SVG, RejectionReason.NotAnImage],
  ])('rejects %s', async (_name, bytes, reason) => {
    expect(await inspectImage(sampleOf(bytes), policy)).toMatchObject({ ok: false, reason });
  });

  it('rejects a PNG declared as a JPEG', async () => {
    expect(await inspectImage(sampleOf(await makePng()), policy)).toMatchObject({
      ok: false,
      reason: RejectionReason.TypeMismatch,
    });
  });

  it('rejects a truncated JPEG by its missing end marker', async () => {
    const jpeg = await makeJpeg(640, 480);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.7));
    expect(await inspectImage(sampleOf(truncated), policy)).toMatchObject({
      ok: false,
      reason: RejectionReason.Corrupt,
    });
  });

  it('rejects a corrupt header', async () => {
    const jpeg = Buffer.from(await makeJpeg(64, 64));
    jpeg.fill(0x00, 4, 400);
    expect(await inspectImage(sampleOf(jpeg), policy)).toMatchObject({ ok: false, reason: RejectionReason.Corrupt });
  });

  it('rejects a 20000×20000 PNG bomb from its header, without decoding it', async () => {
    const bomb = await readFile(await decompressionBombPng());
    const before = process.memoryUsage().rss;
    const result = await inspectImage(sampleOf(bomb), { ...policy, declaredType: 'image/png' });
    expect(result).toMatchObject({ ok: false, reason: RejectionReason.TooManyPixels });
    // Decoding would need 400 MB; reading the header needs next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });
});
