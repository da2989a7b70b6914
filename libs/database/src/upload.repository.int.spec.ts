import { randomUUID } from 'node:crypto';
import type { SharedConfig } from '@lib/config';
import { AppError, ErrorCode } from '@lib/errors';
import { PrismaService } from './prisma.service';
import { UploadRepository } from './upload.repository';
import { newUploadRow } from '../../../test/support/database';

describe('UploadRepository.createWithinCap against PostgreSQL (the prepared admission statement)', () => {
  const prisma = new PrismaService({ database: { url: process.env.DATABASE_URL!, poolSize: 2 } } as SharedConfig);
  const uploads = new UploadRepository(prisma);
  afterAll(() => prisma.onModuleDestroy());
  const admit = (userId: string, overrides = {}, maxPending = 100) => {
    const upload = { ...newUploadRow(userId), ...overrides };
    return uploads.createWithinCap(upload, { userIdHash: `hash-${userId}`, maxPending }).then((outcome) => ({
      upload,
      outcome,
    }));
  };

  it('stores every field of a batch exactly, array-literal metacharacters and all', async () => {
    const user = `u-${randomUUID()}`;
    const filenames = ['a "quoted", {braced} \\ name.jpg', 'NULL', '', 'Café 写真 🌄.jpg'];
    const results = await Promise.all(
      filenames.map((filename, i) =>
        admit(user, {
          filename,
          size: 1000 + i,
          checksumSha256: i === 0 ? 'x'.repeat(43) + '=' : null,
          thumbnailKey: i === 1 ? `thumbnails/${i}` : null,
          thumbnailContentType: i === 1 ? 'image/webp' : null,
          thumbnailSize: i === 1 ? 7 : null,
        }),
      ),
    );
    for (const { upload, outcome } of results) {
      expect(outcome).toBe('created');
      const stored = await uploads.findById(upload.id);
      expect(stored).toMatchObject({ ...upload, status: 'PENDING' });
      expect(stored?.expiresAt.getTime()).toBe(upload.expiresAt.getTime());
    }
  });

  it('refuses uploads of a user being erased and beyond the pending cap, storing nothing for them', async () => {
    const erased = `u-${randomUUID()}`;
    await prisma.erasureRequest.create({
      data: { id: randomUUID(), userIdHash: `hash-${erased}`, requestedBy: 'self' },
    });
    const refused = await admit(erased);
    expect(refused.outcome).toBe('erased');
    expect(await uploads.findById(refused.upload.id)).toBeNull();

    const capped = `u-${randomUUID()}`;
    expect((await admit(capped, {}, 1)).outcome).toBe('created');
    const over = await admit(capped, {}, 1);
    expect(over.outcome).toBe('capped');
    expect(await uploads.findById(over.upload.id)).toBeNull();
  });

  it('answers a reused idempotency key as a conflict', async () => {
    const user = `u-${randomUUID()}`;
    await admit(user, { idempotencyKey: 'k1', requestHash: 'h' });
    const again = admit(user, { idempotencyKey: 'k1', requestHash: 'h' });
    await expect(again).rejects.toBeInstanceOf(AppError);
    await expect(again).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });
});
