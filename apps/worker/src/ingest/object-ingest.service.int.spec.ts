import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadWorkerConfig } from '@lib/config';
import { RejectionReason, UploadEventMessage } from '@lib/contracts';
import {
  AuditRepository,
  ErasureRepository,
  ObjectOutcomeRepository,
  PrismaService,
  UploadRepository,
} from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';
import { makeJpeg } from '@lib/testing';
import { deletingUploadFirst, insertUpload, newUploadRow, testPrisma } from '../../../../test/support/database';
import { startTestStack, TestStack } from '../../../../test/support/test-stack';
import { renditionService } from '../../../../test/support/worker-services';
import { ObjectIngestService } from './object-ingest.service';

describe('ObjectIngestService against PostgreSQL and the S3 emulator', () => {
  let stack: TestStack;
  let prisma: PrismaService;
  let storage: ObjectStorageRepository;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    stack = await startTestStack({ api: false, worker: false, forwarder: false });
    prisma = testPrisma();
    storage = new ObjectStorageRepository(stack.s3);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await stack.stop();
  });

  function service(outcomes: ObjectOutcomeRepository): ObjectIngestService {
    return new ObjectIngestService(
      loadWorkerConfig(stack.env),
      new UploadRepository(prisma),
      outcomes,
      storage,
      stack.queue,
      new ErasureRepository(prisma, new AuditRepository(prisma)),
      renditionService(loadWorkerConfig(stack.env), prisma, storage),
    );
  }

  /** An upload session and its original, really in the bucket; returns the event S3 would send. */
  async function uploaded(): Promise<{ uploadId: string; message: UploadEventMessage; sha256: string }> {
    const jpeg = await makeJpeg(120, 80);
    const row = { ...newUploadRow('ingest-dana'), size: jpeg.length };
    await insertUpload(prisma, row);
    const bucket = stack.resources.originalsBucket;
    const put = await stack.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: row.originalKey, Body: jpeg, ContentType: 'image/jpeg' }),
    );
    const message: UploadEventMessage = {
      v: 1,
      bucket,
      key: row.originalKey,
      size: jpeg.length,
      eTag: (put.ETag ?? '').replace(/"/g, ''),
      sequencer: '0A',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
    };
    return { uploadId: row.id, message, sha256: createHash('sha256').update(jpeg).digest('base64') };
  }

  const ingest = (target: ObjectIngestService, message: UploadEventMessage) =>
    target.ingest({ messageId: 'm-1', body: JSON.stringify(message), receiveCount: 1 });

  it('stores an original that is what its session declared as READY', async () => {
    const { uploadId, message, sha256 } = await uploaded();
    await expect(ingest(service(new ObjectOutcomeRepository(prisma)), message)).resolves.toEqual({
      outcome: 'accepted',
    });
    expect(await prisma.upload.findUnique({ where: { id: uploadId } })).toMatchObject({ status: 'READY' });
    expect(await prisma.image.count({ where: { uploadId } })).toBe(1);
    // The checksum of the bytes the worker read and decoded is kept with the image.
    expect(await prisma.image.findUnique({ where: { uploadId } })).toMatchObject({ sha256 });
  });

  it('judges an object whose upload was deleted mid-judgement as unknown and deletes it, without a retry', async () => {
    const { uploadId, message } = await uploaded();
    await expect(
      ingest(
        service(deletingUploadFirst(prisma, new ObjectOutcomeRepository(prisma), 'record', (v) => v.uploadId)),
        message,
      ),
    ).resolves.toEqual({
      outcome: 'rejected',
      reason: RejectionReason.UnknownUpload,
    });
    expect(
      await prisma.storedObject.findUnique({ where: { bucket_key: { bucket: message.bucket, key: message.key } } }),
    ).toMatchObject({
      uploadId: null,
      accepted: false,
      reason: RejectionReason.UnknownUpload,
    });
    expect(await prisma.image.count({ where: { uploadId } })).toBe(0);
    // Never served: nothing is left in the bucket under the deleted upload's key.
    expect(await storage.readStart(message.bucket, message.key, 16)).toBeNull();
  });
});
