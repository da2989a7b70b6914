import { Logger } from '@nestjs/common';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_USER_KEY_SECRET, loadWorkerConfig } from '@lib/config';
import { RENDITIONS_PREFIX, userKeyFor } from '@lib/contracts';
import { ObjectOutcomeRepository, PrismaService, RenditionRepository } from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';
import { makeJpeg } from '@lib/testing';
import { deletingUploadFirst, insertUpload, newUploadRow, testPrisma } from '../../../../test/support/database';
import { startTestStack, TestStack } from '../../../../test/support/test-stack';
import { renditionService } from '../../../../test/support/worker-services';

describe('RenditionService against PostgreSQL and the S3 emulator', () => {
  let stack: TestStack;
  let prisma: PrismaService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Its own database: rendering claims any READY upload it finds (other files' too).
    stack = await startTestStack({ api: false, worker: false, forwarder: false, ownDatabase: true });
    prisma = testPrisma(stack.env.DATABASE_URL);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await stack.stop();
  });

  const service = (renditions: RenditionRepository) =>
    renditionService(loadWorkerConfig(stack.env), prisma, new ObjectStorageRepository(stack.s3), renditions);

  /** A READY image whose original is really in the bucket. */
  async function readyImage(): Promise<{ uploadId: string; userId: string }> {
    const jpeg = await makeJpeg(1600, 1200);
    const row = { ...newUploadRow('render-erin'), size: jpeg.length };
    await insertUpload(prisma, row);
    const bucket = stack.resources.originalsBucket;
    const put = await stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: row.originalKey, Body: jpeg }));
    const applied = await new ObjectOutcomeRepository(prisma).record({
      accepted: true,
      bucket,
      key: row.originalKey,
      role: 'ORIGINAL',
      uploadId: row.id,
      userId: row.userId,
      sequencer: '0A',
      // The real ETag: renditions are read pinned to the verified version.
      eTag: (put.ETag ?? '').replace(/"/g, ''),
      bytes: jpeg.length,
      contentType: 'image/jpeg',
      width: 1600,
      height: 1200,
      sha256: null,
    });
    expect(applied).toBe('applied');
    return { uploadId: row.id, userId: row.userId };
  }

  async function renditionObjects(userId: string, uploadId: string): Promise<string[]> {
    const out = await stack.s3.send(
      new ListObjectsV2Command({
        Bucket: stack.resources.thumbnailsBucket,
        Prefix: `${RENDITIONS_PREFIX}${userKeyFor(LOCAL_USER_KEY_SECRET, userId)}/${uploadId}/`,
      }),
    );
    return (out.Contents ?? []).map((o) => o.Key!);
  }

  it('makes every preset of a READY image, objects and rows', async () => {
    const { uploadId, userId } = await readyImage();
    expect(await service(new RenditionRepository(prisma)).makeMissing()).toBe(1);
    const rows = await prisma.rendition.findMany({ where: { uploadId } });
    expect(rows.length).toBeGreaterThan(0);
    expect((await renditionObjects(userId, uploadId)).sort()).toEqual(rows.map((r) => r.key).sort());
  });

  it('makes nothing from bytes other than the verified version, and retries it with backoff', async () => {
    const { uploadId } = await readyImage();
    const image = await prisma.image.findUniqueOrThrow({ where: { uploadId } });
    // Overwritten after it was verified (its own event not judged yet): other bytes, other ETag.
    await stack.s3.send(
      new PutObjectCommand({ Bucket: image.bucket, Key: image.key, Body: await makeJpeg(300, 1200) }),
    );
    expect(await service(new RenditionRepository(prisma)).makeMissing()).toBe(0);
    expect(await prisma.rendition.count({ where: { uploadId } })).toBe(0);
    expect(await prisma.backgroundFailure.findFirst({ where: { pass: 'renditions', itemId: uploadId } })).toMatchObject(
      { attempts: 1, failedAt: null, lastError: expect.stringContaining('changed since it was verified') },
    );
  });

  it('leaves no rendition object behind when the image is deleted while it renders', async () => {
    const { uploadId, userId } = await readyImage();
    expect(
      await service(
        deletingUploadFirst(prisma, new RenditionRepository(prisma), 'save', (r) => r.uploadId),
      ).makeMissing(),
    ).toBe(0);
    expect(await prisma.rendition.count({ where: { uploadId } })).toBe(0);
    expect(await renditionObjects(userId, uploadId)).toEqual([]);
  });

  /** A verdict on the same original, as the worker would store it for a newer event. */
  async function newerVerdict(uploadId: string, accepted: boolean): Promise<void> {
    const image = await prisma.image.findUniqueOrThrow({ where: { uploadId } });
    const base = {
      bucket: image.bucket,
      key: image.key,
      role: 'ORIGINAL' as const,
      uploadId,
      userId: image.userId,
      sequencer: '0B',
      eTag: 'other-bytes',
      bytes: image.bytes,
    };
    const applied = await new ObjectOutcomeRepository(prisma).record(
      accepted
        ? { ...base, accepted, contentType: 'image/jpeg', width: 300, height: 1200, sha256: image.sha256 }
        : { ...base, accepted, reason: 'not-an-image', detail: 'replaced by something else' },
    );
    expect(applied).toBe('applied');
  }

  /** The repository, with the newer verdict stored just before its first save: the render was in flight. */
  function verdictBeforeFirstSave(uploadId: string, accepted: boolean): RenditionRepository {
    const renditions = new RenditionRepository(prisma);
    const save = renditions.save.bind(renditions);
    let raced = false;
    renditions.save = async (record) => {
      if (!raced) {
        raced = true;
        await newerVerdict(uploadId, accepted);
      }
      return save(record);
    };
    return renditions;
  }

  it.each([
    ['replaced by other accepted bytes', true],
    ['replaced by rejected bytes', false],
  ])('leaves no rendition behind when the original is %s while it renders', async (_what, accepted) => {
    const { uploadId, userId } = await readyImage();
    expect(await service(verdictBeforeFirstSave(uploadId, accepted)).makeMissing()).toBe(0);
    expect(await prisma.rendition.count({ where: { uploadId } })).toBe(0);
    expect(await renditionObjects(userId, uploadId)).toEqual([]);
  });

  it('drops, after the verdict, what a render saved from the old bytes just before it', async () => {
    const { uploadId, userId } = await readyImage();
    const renditions = service(new RenditionRepository(prisma));
    expect(await renditions.makeMissing()).toBe(1);
    const made = await renditionObjects(userId, uploadId);
    expect(made.length).toBeGreaterThan(0);
    await newerVerdict(uploadId, true);
    await renditions.dropInvalid(uploadId);
    expect(await prisma.rendition.count({ where: { uploadId } })).toBe(0);
    expect(await renditionObjects(userId, uploadId)).toEqual([]);
    // Their CDN paths are queued for invalidation with them.
    const queued = await prisma.cdnInvalidation.findMany({ where: { path: { in: made.map((k) => `/${k}`) } } });
    expect(queued).toHaveLength(made.length);
  });
});
