import { readFile } from 'node:fs/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { UploadEventMessage } from '@lib/contracts';
import { decompressionBombPng, makeJpeg, makePng, makeWebp, padJpeg, SVG, waitFor } from '@lib/testing';
import { MetricsServer } from '../../apps/worker/src/observability/metrics.server';
import { ApiClient } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

describe('worker: verified, idempotent, at-least-once processing', () => {
  let client: ApiClient;

  const e2e = useTestStack({
    ownDatabase: true,
    env: { SWEEP_INTERVAL_SECONDS: '1', THUMBNAIL_WAIT_SECONDS: '2', UPLOAD_EXPIRY_GRACE_SECONDS: '0' },
  });
  beforeAll(async () => {
    client = await e2e.client('worker-bob');
  });

  async function messageFor(uploadId: string, sequencer: string): Promise<UploadEventMessage> {
    const upload = await e2e.prisma.upload.findUniqueOrThrow({ where: { id: uploadId } });
    const object = await e2e.prisma.storedObject.findFirst({ where: { key: upload.originalKey } });
    return {
      v: 1,
      bucket: e2e.stack.resources.originalsBucket,
      key: upload.originalKey,
      size: upload.size,
      eTag: object?.eTag ?? '',
      sequencer,
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
    };
  }

  describe('rejections (real bytes, declared types that lie)', () => {
    it.each([
      ['a zero-byte object', async () => Buffer.alloc(0), 'image/jpeg', 'empty'],
      ['SVG declared as PNG', async () => SVG, 'image/png', 'not-an-image'],
      ['a PNG declared as JPEG', () => makePng(), 'image/jpeg', 'type-mismatch'],
      ['a truncated JPEG', async () => (await makeJpeg(800, 600)).subarray(0, 3000), 'image/jpeg', 'corrupt'],
      ['a 20000×20000 PNG bomb', async () => readFile(await decompressionBombPng()), 'image/png', 'too-many-pixels'],
    ])('%s → REJECTED (%s)', async (_name, bytes, contentType, reason) => {
      const body = await bytes();
      // A zero-byte body cannot be declared through the API (size ≥ 1): S3 would refuse it
      // against the signature, so put it straight to the key, as a misbehaving client could.
      const session = await client.createUpload({ filename: 'x', contentType, size: Math.max(1, body.length) });
      if (body.length === 0) {
        await e2e.stack.s3.send(
          new PutObjectCommand({
            Bucket: e2e.stack.resources.originalsBucket,
            Key: new URL(session.original.url).pathname.split('/').slice(2).join('/'),
            Body: body,
          }),
        );
      } else {
        expect((await client.put(session.original, body)).status).toBe(200);
      }
      const status = await client.settled(session.uploadId);
      expect(status).toMatchObject({ status: 'REJECTED', rejection: { code: reason } });
      expect(await e2e.prisma.image.count({ where: { uploadId: session.uploadId } })).toBe(0);
    });

    it('rejects an object deleted before the worker got to it', async () => {
      await e2e.stack.stopWorker();
      const jpeg = await makeJpeg(100, 100);
      const session = await client.upload(jpeg, 'image/jpeg');
      const key = (await e2e.prisma.upload.findUniqueOrThrow({ where: { id: session.uploadId } })).originalKey;
      await waitFor(async () => (await e2e.stack.queue.depth(e2e.stack.resources.uploadsQueueUrl)).visible > 0, {
        what: 'the event to reach the uploads queue',
      });
      await e2e.stack.s3.send(new DeleteObjectCommand({ Bucket: e2e.stack.resources.originalsBucket, Key: key }));
      await e2e.stack.startWorker();
      expect(await client.settled(session.uploadId)).toMatchObject({
        status: 'REJECTED',
        rejection: { code: 'object-missing' },
      });
    });
  });

  describe('idempotency and ordering', () => {
    it('turns the same event delivered three times into one image', async () => {
      const session = await client.upload(await makeJpeg(300, 200), 'image/jpeg');
      await client.settled(session.uploadId);
      const duplicate = JSON.stringify(await messageFor(session.uploadId, 'FFFFFFFFFFFFFFFF'));
      for (let i = 0; i < 3; i++) await e2e.stack.queue.send(e2e.stack.resources.uploadsQueueUrl, duplicate);
      await waitFor(async () => {
        const depth = await e2e.stack.queue.depth(e2e.stack.resources.uploadsQueueUrl);
        return depth.visible + depth.inFlight === 0;
      });
      expect(await e2e.prisma.image.count({ where: { uploadId: session.uploadId } })).toBe(1);
      expect((await client.status(session.uploadId)).status).toBe('READY');
    });

    it('never lets an older event overwrite what a newer one stored', async () => {
      const first = await makeJpeg(400, 300);
      const session = await client.upload(first, 'image/jpeg');
      await client.settled(session.uploadId);
      const older = await e2e.prisma.storedObject.findFirstOrThrow({ where: { uploadId: session.uploadId } });

      // Other bytes of the declared size land on the same key: a newer event. The upload URL is
      // single-use (S3 refuses a second PUT, see storage-refusals), so they are written with the
      // service's own credentials, as a newer write to the key would be.
      const second = padJpeg(await makeJpeg(120, 90), first.length);
      await e2e.stack.s3.send(
        new PutObjectCommand({
          Bucket: e2e.stack.resources.originalsBucket,
          Key: older.key,
          Body: second,
          ContentType: 'image/jpeg',
        }),
      );
      const newer = await waitFor(async () => {
        const image = await e2e.prisma.image.findUnique({ where: { uploadId: session.uploadId } });
        return image?.width === 120 ? image : undefined;
      });

      // Replay the first event twice: once as it was (the first bytes' ETag), once claiming
      // the current ETag, so only the stored sequencer can stop it.
      const replay = await messageFor(session.uploadId, older.sequencer);
      await e2e.stack.queue.send(e2e.stack.resources.uploadsQueueUrl, JSON.stringify({ ...replay, eTag: older.eTag }));
      await e2e.stack.queue.send(e2e.stack.resources.uploadsQueueUrl, JSON.stringify({ ...replay, eTag: newer.eTag }));
      await waitFor(async () => {
        const depth = await e2e.stack.queue.depth(e2e.stack.resources.uploadsQueueUrl);
        return depth.visible + depth.inFlight === 0;
      });
      const after = await e2e.prisma.image.findUniqueOrThrow({ where: { uploadId: session.uploadId } });
      expect(after).toMatchObject({ width: 120, height: 90, sequencer: newer.sequencer, updatedAt: newer.updatedAt });
    });
  });

  it('moves a malformed message to the DLQ at once, with the reason in an attribute', async () => {
    await e2e.stack.queue.send(e2e.stack.resources.uploadsQueueUrl, '{"v":1,"bucket":"b"');
    const [dead] = await waitFor(async () => {
      const messages = await e2e.stack.queue.receive(e2e.stack.resources.deadLetterQueueUrl, 1, 5);
      return messages.length ? messages : undefined;
    });
    expect(dead!.MessageAttributes?.failureReason?.StringValue).toBe('message body is not JSON');
    expect(dead!.MessageAttributes?.failedStage?.StringValue).toBe('worker');
    expect(dead!.Attributes?.ApproximateReceiveCount).toBe('1');
    await e2e.stack.queue.delete(e2e.stack.resources.deadLetterQueueUrl, dead!.ReceiptHandle!);
  });

  describe('thumbnails', () => {
    it('verifies the client-made thumbnail and links a re-encoding of it, never the bytes sent', async () => {
      const jpeg = await makeJpeg(1024, 768);
      const webp = await makeWebp(256, 192);
      const session = await client.createUpload({
        filename: 'a.jpg',
        contentType: 'image/jpeg',
        size: jpeg.length,
        thumbnail: { contentType: 'image/webp', size: webp.length },
      });
      expect((await client.put(session.original, jpeg)).status).toBe(200);
      expect((await client.put(session.thumbnail!, webp)).status).toBe(200);
      const ready = await client.withThumbnail(session.uploadId);
      const thumbnail = Buffer.from(await (await fetch(ready.image!.thumbnailUrl!)).arrayBuffer());
      expect(thumbnail.equals(webp)).toBe(false);
      const meta = await sharp(thumbnail).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 192]);
      // Verified: the client's object was judged and accepted before it was re-encoded.
      expect(
        await e2e.prisma.storedObject.findFirst({ where: { uploadId: session.uploadId, role: 'THUMBNAIL' } }),
      ).toMatchObject({ accepted: true });
    });

    it('makes an upright WebP thumbnail without EXIF when the client sent none', async () => {
      // 600×400 pixels stored sideways: EXIF orientation 6 means "rotate 90° to view".
      const jpeg = await makeJpeg(600, 400, { exifOrientation: 6 });
      const session = await client.upload(jpeg, 'image/jpeg');
      const ready = await client.withThumbnail(session.uploadId);
      // The emulator may answer an error body under load; the object itself is what is checked.
      const thumbnail = await waitFor(
        async () => {
          const response = await fetch(ready.image!.thumbnailUrl!);
          return response.ok ? Buffer.from(await response.arrayBuffer()) : undefined;
        },
        { what: 'the thumbnail object' },
      );
      const meta = await sharp(thumbnail).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 171, height: 256 });
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    });
  });

  describe('the expiry sweep', () => {
    it('expires a PENDING upload whose URL expired with no object, and re-announces one whose event was lost', async () => {
      const lost = await client.createUpload({ filename: 'a', contentType: 'image/jpeg', size: 10 });
      const jpeg = await makeJpeg(50, 50);
      const present = await client.createUpload({ filename: 'b', contentType: 'image/jpeg', size: jpeg.length });
      // Bytes S3 accepted but whose event never arrived (put under another name, no notification).
      const key = (await e2e.prisma.upload.findUniqueOrThrow({ where: { id: present.uploadId } })).originalKey;
      await e2e.stack.s3.send(
        new PutObjectCommand({
          Bucket: e2e.stack.resources.originalsBucket,
          Key: key,
          Body: jpeg,
          ContentType: 'image/jpeg',
        }),
      );
      await e2e.prisma.upload.updateMany({
        where: { id: { in: [lost.uploadId, present.uploadId] } },
        data: { expiresAt: new Date(Date.now() - 60_000) },
      });
      expect((await client.settled(lost.uploadId)).status).toBe('EXPIRED');
      expect((await client.settled(present.uploadId)).status).toBe('READY');
    });
  });

  it('exposes Prometheus metrics and a health check on its own port', async () => {
    const port = e2e.stack.worker!.get(MetricsServer).port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/worker_messages_processed_total\{outcome="accepted"\} \d+/);
    expect(metrics).toMatch(/worker_objects_rejected_total\{reason="[a-z-]+"\} \d+/);
    expect(metrics).toContain('worker_message_duration_seconds_bucket');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
