import { randomUUID } from 'node:crypto';
import { LOCAL_USER_KEY_SECRET } from '@lib/config';
import { derivedVersion, originalKey, renditionPrefix, userKeyFor } from '@lib/contracts';
import { makeJpeg } from '@lib/testing';
import { ApiClient, ImageBody } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

describe('image queries and deletion', () => {
  let alice: ApiClient;
  let mallory: ApiClient;

  const e2e = useTestStack({
    ownDatabase: true,
    env: { CDN_BASE_URL: 'https://cdn.example.test', SWEEP_INTERVAL_SECONDS: '1' },
  });
  beforeAll(async () => {
    alice = await e2e.client('images-alice');
    mallory = await e2e.client('images-mallory');
  });

  async function withThumbnail(uploadId: string): Promise<ImageBody> {
    return (await alice.withThumbnail(uploadId)).image!;
  }

  /** Rows as the worker would write them, for paging tests that need many images. */
  async function seedImages(userId: string, count: number, createdAt: Date): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const key = originalKey(userKeyFor(LOCAL_USER_KEY_SECRET, userId), id);
      await e2e.prisma.upload.create({
        data: {
          id,
          userId,
          filename: `seed-${i}.jpg`,
          contentType: 'image/jpeg',
          size: 10,
          originalKey: key,
          status: 'READY',
          expiresAt: createdAt,
          image: {
            create: {
              id: randomUUID(),
              userId,
              bucket: e2e.stack.resources.originalsBucket,
              key,
              contentType: 'image/jpeg',
              bytes: 10,
              width: 1,
              height: 1,
              eTag: 'e',
              sequencer: '0',
              // Identical timestamps in groups: the id must break ties for stable pages.
              createdAt: new Date(createdAt.getTime() - Math.floor(i / 3) * 1000),
            },
          },
        },
      });
    }
  }

  it('pages newest first with a cursor, stable when images are added meanwhile', async () => {
    await seedImages('images-paula', 25, new Date('2026-01-01T00:00:00Z'));
    const paula = await e2e.client('images-paula');
    const seen: ImageBody[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await paula.request('GET', `/v1/images?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: ImageBody[]; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
      // A newer image arriving mid-listing must not shift later pages.
      if (pages++ === 0) await seedImages('images-paula', 1, new Date('2026-06-01T00:00:00Z'));
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((i) => i.id)).size).toBe(25);
    const order = seen.map((i) => `${i.createdAt}|${i.id}`);
    expect([...order].sort().reverse()).toEqual(order);
  });

  it('refuses a bad limit or cursor with 400 naming the field', async () => {
    const limit = await (await alice.request('GET', '/v1/images?limit=1000')).json();
    expect(limit.errors[0].field).toBe('limit');
    const cursor = await (await alice.request('GET', '/v1/images?cursor=bm90LWEtY3Vyc29y')).json();
    expect(cursor.errors[0].field).toBe('cursor');
  });

  it("answers 404 for another user's upload and image, never 403, and cannot delete them", async () => {
    const jpeg = await makeJpeg(120, 90);
    const session = await alice.upload(jpeg, 'image/jpeg');
    const ready = await alice.settled(session.uploadId);
    const imageId = ready.image!.id;

    for (const path of [`/v1/uploads/${session.uploadId}`, `/v1/images/${imageId}`]) {
      const response = await mallory.request('GET', path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await mallory.request('DELETE', `/v1/images/${imageId}`)).status).toBe(204);
    expect((await alice.request('GET', `/v1/images/${imageId}`)).status).toBe(200);
    // A missing id and another user's id read the same, but for the id itself.
    const unknownId = randomUUID();
    const missing = await (await mallory.request('GET', `/v1/images/${unknownId}`)).json();
    const foreign = await (await mallory.request('GET', `/v1/images/${imageId}`)).json();
    expect(foreign.detail.replace(imageId, unknownId)).toBe(missing.detail);
  });

  it('serves thumbnails from the CDN when CDN_BASE_URL is set, originals as presigned GETs', async () => {
    const session = await alice.upload(await makeJpeg(640, 480), 'image/jpeg');
    const image = await withThumbnail(session.uploadId);
    // The served thumbnail is the worker's re-encoding, never an object a client wrote, under a
    // key naming the verified version it was made from (keyed, so no ETag in the URL).
    const verified = await e2e.prisma.image.findUniqueOrThrow({ where: { uploadId: session.uploadId } });
    const version = derivedVersion(LOCAL_USER_KEY_SECRET, { key: verified.key, eTag: verified.eTag });
    expect(image.thumbnailUrl).toBe(
      `https://cdn.example.test/renditions/${userKeyFor(LOCAL_USER_KEY_SECRET, 'images-alice')}/${session.uploadId}/thumb.${version}.webp`,
    );
    expect(new URL(image.originalUrl).searchParams.get('X-Amz-Signature')).toBeTruthy();
  });

  it('deletes the objects and then the rows, idempotently', async () => {
    const jpeg = await makeJpeg(100, 100);
    const session = await alice.upload(jpeg, 'image/jpeg');
    const image = (await alice.settled(session.uploadId)).image!;
    const objectUrl = image.originalUrl;

    expect((await alice.request('DELETE', `/v1/images/${image.id}`)).status).toBe(204);
    expect((await alice.request('DELETE', `/v1/images/${image.id}`)).status).toBe(204);

    expect((await alice.request('GET', `/v1/images/${image.id}`)).status).toBe(404);
    expect((await alice.request('GET', `/v1/uploads/${session.uploadId}`)).status).toBe(404);
    expect((await fetch(objectUrl)).status).toBe(404);
    expect(await e2e.prisma.storedObject.count({ where: { uploadId: session.uploadId } })).toBe(0);
  });

  it('deletes every derived object under the image, also one no row names yet (a render in flight)', async () => {
    const session = await alice.upload(await makeJpeg(200, 100), 'image/jpeg');
    const image = await withThumbnail(session.uploadId);
    const { storage } = e2e;
    const bucket = e2e.stack.resources.thumbnailsBucket;
    const prefix = renditionPrefix(userKeyFor(LOCAL_USER_KEY_SECRET, 'images-alice'), session.uploadId);
    await storage.put(bucket, `${prefix}card.0123456789abcdef.webp`, await makeJpeg(10, 10), 'image/webp');
    expect((await storage.listKeys(bucket, prefix)).keys.length).toBeGreaterThanOrEqual(2);

    expect((await alice.request('DELETE', `/v1/images/${image.id}`)).status).toBe(204);
    expect((await storage.listKeys(bucket, prefix)).keys).toEqual([]);
  });
});
