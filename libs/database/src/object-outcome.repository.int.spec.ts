import type { SharedConfig } from '@lib/config';
import { AcceptedObject, ObjectOutcomeRepository } from './object-outcome.repository';
import { PrismaService } from './prisma.service';
import { UploadRepository } from './upload.repository';
import { insertUpload, newUploadRow } from '../../../test/support/database';

describe('ObjectOutcomeRepository against PostgreSQL', () => {
  const prisma = new PrismaService({ database: { url: process.env.DATABASE_URL!, poolSize: 2 } } as SharedConfig);
  const outcomes = new ObjectOutcomeRepository(prisma);
  const uploads = new UploadRepository(prisma);
  afterAll(() => prisma.$disconnect());

  async function newUpload(): Promise<{ id: string; key: string }> {
    const upload = newUploadRow('carol');
    await insertUpload(prisma, upload);
    const { id, originalKey: key } = upload;
    return { id, key };
  }

  function accepted(upload: { id: string; key: string }, sequencer: string, width = 100): AcceptedObject {
    return {
      accepted: true,
      bucket: 'originals-bucket',
      key: upload.key,
      role: 'ORIGINAL',
      uploadId: upload.id,
      userId: 'carol',
      sequencer,
      eTag: 'etag-' + sequencer,
      bytes: 10,
      contentType: 'image/jpeg',
      width,
      height: 50,
      sha256: null,
    };
  }

  it('stores an accepted original as one image and marks the upload READY', async () => {
    const upload = await newUpload();
    expect(await outcomes.record(accepted(upload, '0A'))).toBe('applied');
    expect((await uploads.findById(upload.id))?.status).toBe('READY');
    expect(await prisma.image.count({ where: { uploadId: upload.id } })).toBe(1);
  });

  it('treats the same event three times as one', async () => {
    const upload = await newUpload();
    const results = await Promise.all([0, 1, 2].map(() => outcomes.record(accepted(upload, '0B'))));
    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(await prisma.image.count({ where: { uploadId: upload.id } })).toBe(1);
  });

  it('never lets an older sequencer overwrite a newer one', async () => {
    const upload = await newUpload();
    await outcomes.record(accepted(upload, '000000000000000000000000000000F0', 300));
    expect(await outcomes.record(accepted(upload, '000000000000000000000000000000E0', 200))).toBe('superseded');
    expect((await prisma.image.findUnique({ where: { uploadId: upload.id } }))?.width).toBe(300);
  });

  it('replaces a served image with a rejection when a newer object fails verification', async () => {
    const upload = await newUpload();
    await outcomes.record(accepted(upload, '01'));
    const result = await outcomes.record({
      ...accepted(upload, '02'),
      accepted: false,
      reason: 'not-an-image',
      detail: 'text',
    });
    expect(result).toBe('applied');
    expect(await uploads.findById(upload.id)).toMatchObject({ status: 'REJECTED', rejectionCode: 'not-an-image' });
    expect(await prisma.image.count({ where: { uploadId: upload.id } })).toBe(0);
  });

  it('answers upload-gone, storing nothing, when the upload was deleted after it was looked up', async () => {
    const upload = await newUpload();
    await prisma.upload.delete({ where: { id: upload.id } });
    expect(await outcomes.record(accepted(upload, '03'))).toBe('upload-gone');
    expect(await prisma.storedObject.count({ where: { key: upload.key } })).toBe(0);
    expect(await prisma.image.count({ where: { uploadId: upload.id } })).toBe(0);
  });
});
