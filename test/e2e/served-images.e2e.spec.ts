import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import {
  jpegCutMidScan,
  makeImageWithMetadata,
  makeJpeg,
  metadataBlocksOf,
  MetadataFormat,
  padJpeg,
  UNDECODABLE_IMAGES,
  waitFor,
} from '@lib/testing';
import { ApiClient, ImageBody, UploadSession } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

type ImageWithRenditions = ImageBody & { renditions: Record<string, string | null> };

const SECRET = 'served-images-render-secret-0123456789abcdef';

async function download(url: string): Promise<Buffer> {
  return waitFor(
    async () => {
      const response = await fetch(url);
      return response.ok ? Buffer.from(await response.arrayBuffer()) : undefined;
    },
    { what: `GET ${url}` },
  );
}

/** The object key a presigned PUT URL names (path-style: /bucket/key). */
function keyOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').slice(2).join('/'));
}

describe('what the platform serves: re-encoded, metadata-free, decodable, made from the verified bytes', () => {
  let alice: ApiClient;

  const e2e = useTestStack({
    ownDatabase: true,
    env: { SWEEP_INTERVAL_SECONDS: '1', THUMBNAIL_WAIT_SECONDS: '2', RENDER_SIGNING_SECRET: SECRET },
  });
  beforeAll(async () => {
    alice = await e2e.client('served-alice');
  });

  async function image(id: string): Promise<ImageWithRenditions> {
    return (await (await alice.request('GET', `/v1/images/${id}`)).json()) as ImageWithRenditions;
  }

  async function withAllRenditions(id: string): Promise<ImageWithRenditions> {
    return waitFor(
      async () => {
        const body = await image(id);
        return Object.values(body.renditions).every((url) => url) ? body : undefined;
      },
      { what: 'thumb, card and large', timeoutMs: 40_000 },
    );
  }

  async function readyImage(session: UploadSession): Promise<ImageBody> {
    const settled = await alice.settled(session.uploadId, 30_000);
    expect(settled.status).toBe('READY');
    return settled.image!;
  }

  describe('client thumbnails are verified, then re-encoded; the bytes sent are never served', () => {
    it.each([
      ['image/jpeg', 'jpeg'],
      ['image/webp', 'webp'],
    ] as const)('a %s thumbnail with EXIF (GPS, camera), XMP and IPTC', async (contentType, format) => {
      const original = await makeJpeg(1024, 768);
      const thumbnail = await makeImageWithMetadata(format, 256, 192);
      expect(metadataBlocksOf(thumbnail)).toEqual(expect.arrayContaining([expect.stringMatching(/EXIF|Exif/)]));
      const session = await alice.createUpload({
        filename: 'a.jpg',
        contentType: 'image/jpeg',
        size: original.length,
        thumbnail: { contentType, size: thumbnail.length },
      });
      expect((await alice.put(session.original, original)).status).toBe(200);
      expect((await alice.put(session.thumbnail!, thumbnail)).status).toBe(200);
      const ready = await alice.withThumbnail(session.uploadId);
      const served = await download(ready.image!.thumbnailUrl!);
      expect(served.equals(thumbnail)).toBe(false);
      expect(metadataBlocksOf(served)).toEqual([]);
      const meta = await sharp(served).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
        format: 'webp',
        width: 256,
        height: 192,
      });
      // The client's own object is gone, so no URL (CDN or presigned) can reach it.
      const clientKey = keyOf(session.thumbnail!.url);
      expect(ready.image!.thumbnailUrl).not.toContain(encodeURIComponent(clientKey).replace(/%2F/g, '/'));
      await waitFor(async () => (await e2e.storage.head(e2e.stack.resources.thumbnailsBucket, clientKey)) === null, {
        what: "the client's thumbnail object to be deleted",
      });
    });

    it('rejects an undecodable client thumbnail and serves one made from the original instead', async () => {
      const original = await makeJpeg(900, 600);
      const thumbnail = await jpegCutMidScan(256, 192);
      const session = await alice.createUpload({
        filename: 'a.jpg',
        contentType: 'image/jpeg',
        size: original.length,
        thumbnail: { contentType: 'image/jpeg', size: thumbnail.length },
      });
      expect((await alice.put(session.original, original)).status).toBe(200);
      expect((await alice.put(session.thumbnail!, thumbnail)).status).toBe(200);
      const stored = await waitFor(() =>
        e2e.prisma.storedObject.findFirst({ where: { uploadId: session.uploadId, role: 'THUMBNAIL' } }),
      );
      expect(stored).toMatchObject({ accepted: false, reason: 'undecodable' });
      const ready = await alice.withThumbnail(session.uploadId);
      const meta = await sharp(await download(ready.image!.thumbnailUrl!)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 171]);
    });
  });

  describe.each(['jpeg', 'png', 'webp', 'avif'] as MetadataFormat[])('an original %s full of metadata', (format) => {
    let imageId: string;
    beforeAll(async () => {
      const bytes = await makeImageWithMetadata(format, 800, 600);
      imageId = (await readyImage(await alice.upload(bytes, `image/${format}`))).id;
    });

    it('thumb, card and large carry no metadata block (parsed from the bytes)', async () => {
      const body = await withAllRenditions(imageId);
      for (const [name, url] of Object.entries(body.renditions)) {
        expect({ name, blocks: metadataBlocksOf(await download(url!)) }).toEqual({ name, blocks: [] });
      }
    });

    it.each(['avif', 'webp', 'jpeg', 'png'])('a render as %s carries none either', async (output) => {
      const minted = await alice.request('POST', `/v1/images/${imageId}/render-url`, { width: 200, format: output });
      expect(minted.status).toBe(200);
      const { url } = (await minted.json()) as { url: string };
      const parsed = new URL(url);
      const response = await fetch(`${e2e.stack.apiUrl}${parsed.pathname}${parsed.search}`);
      expect(response.status).toBe(200);
      expect(metadataBlocksOf(Buffer.from(await response.arrayBuffer()))).toEqual([]);
    });
  });

  describe('READY means decodable', () => {
    it.each(Object.entries(UNDECODABLE_IMAGES))('%s → REJECTED (undecodable)', async (_name, { make, contentType }) => {
      const bytes = await make();
      const session = await alice.upload(bytes, contentType);
      const settled = await alice.settled(session.uploadId, 30_000);
      expect(settled).toMatchObject({ status: 'REJECTED', rejection: { code: 'undecodable' } });
      expect(await e2e.prisma.image.count({ where: { uploadId: session.uploadId } })).toBe(0);
    });
  });

  describe('derived images follow the verified version of their source', () => {
    async function replaceOriginal(session: UploadSession, bytes: Buffer): Promise<void> {
      // Past the single-use URL, as a misbehaving writer with bucket access could: a new event.
      await e2e.stack.s3.send(
        new PutObjectCommand({
          Bucket: e2e.stack.resources.originalsBucket,
          Key: keyOf(session.original.url),
          Body: bytes,
          ContentType: 'image/jpeg',
        }),
      );
    }

    it('an original replaced by other bytes loses the renditions of the old ones, and gets new ones', async () => {
      const first = await makeJpeg(1600, 1200);
      const session = await alice.upload(first, 'image/jpeg');
      const { id } = await readyImage(session);
      const before = await withAllRenditions(id);
      const oldCard = before.renditions.card!;
      expect((await sharp(await download(oldCard)).metadata()).height).toBe(480);

      await replaceOriginal(session, padJpeg(await makeJpeg(600, 1200), first.length));
      const after = await waitFor(
        async () => {
          const body = await withAllRenditions(id);
          return body.height === 1200 && body.width === 600 ? body : undefined;
        },
        { what: 'the new bytes and their renditions', timeoutMs: 40_000 },
      );
      const card = await sharp(await download(after.renditions.card!)).metadata();
      expect([card.width, card.height]).toEqual([320, 640]);
      const thumb = await sharp(await download(after.renditions.thumb!)).metadata();
      expect([thumb.width, thumb.height]).toEqual([128, 256]);
    });

    it('an original replaced by bytes that fail verification takes every derived object with it', async () => {
      const first = await makeJpeg(1200, 900);
      const session = await alice.upload(first, 'image/jpeg');
      const { id } = await readyImage(session);
      await withAllRenditions(id);
      const derived = await e2e.prisma.rendition.findMany({ where: { uploadId: session.uploadId } });
      expect(derived.map((r) => r.name).sort()).toEqual(['card', 'large', 'thumb']);

      await replaceOriginal(session, padJpeg(await jpegCutMidScan(400, 300), first.length));
      expect(
        await waitFor(async () => {
          const status = await alice.status(session.uploadId);
          return status.status === 'REJECTED' ? status : undefined;
        }),
      ).toMatchObject({ rejection: { code: 'undecodable' } });
      expect(await e2e.prisma.rendition.count({ where: { uploadId: session.uploadId } })).toBe(0);
      for (const object of derived) expect(await e2e.storage.head(object.bucket, object.key)).toBeNull();
      // The CDN's copies go too: their paths are in the invalidation outbox.
      const queued = await e2e.prisma.cdnInvalidation.findMany({
        where: { path: { in: derived.map((r) => `/${r.key}`) } },
      });
      expect(queued.map((row) => row.path).sort()).toEqual(derived.map((r) => `/${r.key}`).sort());
    });
  });
});
