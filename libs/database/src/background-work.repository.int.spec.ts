import { isolatedDatabase, newUploadRow, testPrisma } from '../../../test/support/database';
import { ObjectOutcomeRepository } from './object-outcome.repository';
import type { PrismaService } from './prisma.service';
import { RenditionRepository } from './rendition.repository';
import { UploadMaintenanceRepository } from './upload-maintenance.repository';
import { UploadRepository } from './upload.repository';

describe('claiming thumbnail and rendition work against PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let prisma: PrismaService;

  // Claims take any READY upload: rows of other test files must not be in reach.
  beforeAll(async () => {
    database = await isolatedDatabase('background_work');
    prisma = testPrisma(database.url);
  }, 120_000);
  afterAll(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  async function readyUpload(): Promise<string> {
    const upload = newUploadRow('dave');
    const { id, originalKey: key } = upload;
    await new UploadRepository(prisma).create(upload);
    await new ObjectOutcomeRepository(prisma).record({
      accepted: true,
      bucket: 'originals',
      key,
      role: 'ORIGINAL',
      uploadId: id,
      userId: 'dave',
      sequencer: '0A',
      eTag: 'etag',
      bytes: 10,
      contentType: 'image/jpeg',
      width: 100,
      height: 50,
      url: `http://s3/${key}`,
    });
    return id;
  }

  it('leaves images READY for less than the minimum age alone, and claims them once asked without one', async () => {
    const id = await readyUpload();
    const thumbnails = new UploadMaintenanceRepository(prisma);
    const renditions = new RenditionRepository(prisma);

    expect(await thumbnails.claimThumbnailWork(0, 10, 600)).toEqual([]);
    expect(await renditions.claimWork(['card'], 10, 600)).toEqual([]);

    expect((await thumbnails.claimThumbnailWork(0, 10)).map((w) => w.uploadId)).toEqual([id]);
    expect((await renditions.claimWork(['card'], 10)).map((w) => w.uploadId)).toEqual([id]);
  });
});
