import sharp from 'sharp';
import { exifHasGps, makeJpegWithGps, personalMetadataOf, waitFor } from '@lib/testing';
import { ApiClient, ImageBody } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

type ImageWithRenditions = ImageBody & { renditions: Record<string, string | null> };

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

describe('standard renditions made by the worker', () => {
  let alice: ApiClient;

  const e2e = useTestStack({
    ownDatabase: true,
    env: { SWEEP_INTERVAL_SECONDS: '1', THUMBNAIL_WAIT_SECONDS: '0' },
  });
  beforeAll(async () => {
    alice = await e2e.client('renditions-alice');
  });

  async function readyWithRenditions(imageId: string): Promise<ImageWithRenditions> {
    return waitFor(
      async () => {
        const image = (await (await alice.request('GET', `/v1/images/${imageId}`)).json()) as ImageWithRenditions;
        return Object.values(image.renditions).every((url) => url) ? image : undefined;
      },
      { what: 'thumb, card and large', timeoutMs: 40_000 },
    );
  }

  it('makes thumb, card and large: upright WebP, ICC kept, no EXIF or GPS', async () => {
    // Stored 2000×1500 and tagged "rotate 90°": upright it is a 1500×2000 portrait.
    const photo = await makeJpegWithGps(2000, 1500, { exifOrientation: 6 });
    expect(exifHasGps((await sharp(photo).metadata()).exif)).toBe(true);
    const session = await alice.upload(photo, 'image/jpeg');
    const settled = await alice.settled(session.uploadId, 30_000);
    expect(settled.status).toBe('READY');

    const image = await readyWithRenditions(settled.image!.id);
    expect(Object.keys(image.renditions).sort()).toEqual(['card', 'large', 'thumb']);
    expect(image.renditions.thumb).toBe(image.thumbnailUrl);
    const expected: Record<string, [number, number]> = { thumb: [192, 256], card: [480, 640], large: [1200, 1600] };
    for (const [name, url] of Object.entries(image.renditions)) {
      const meta = await sharp(await download(url!)).metadata();
      expect({ name, format: meta.format, size: [meta.width, meta.height] }).toEqual({
        name,
        format: 'webp',
        size: expected[name],
      });
      expect({ name, personal: personalMetadataOf(meta) }).toEqual({ name, personal: [] });
      expect(meta.orientation ?? 1).toBe(1);
      expect(meta.icc).toBeDefined();
    }
  });

  it('deleting the image removes its rendition objects too', async () => {
    const session = await alice.upload(await makeJpegWithGps(900, 700), 'image/jpeg');
    const settled = await alice.settled(session.uploadId, 30_000);
    const image = await readyWithRenditions(settled.image!.id);
    const cardUrl = image.renditions.card!;
    expect((await fetch(cardUrl)).status).toBe(200);
    expect((await alice.request('DELETE', `/v1/images/${image.id}`)).status).toBe(204);
    expect((await fetch(cardUrl)).status).toBe(404);
  });
});
