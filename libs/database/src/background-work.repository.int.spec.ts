import { insertUpload, newUploadRow, useIsolatedDatabase } from '../../../test/support/database';
import { ObjectOutcomeRepository } from './object-outcome.repository';
import { RenditionRepository } from './rendition.repository';
import { UploadMaintenanceRepository } from './upload-maintenance.repository';

describe('claiming thumbnail and rendition work against PostgreSQL', () => {
  // Claims take any READY upload: rows of other test files must not be in reach.
  const db = useIsolatedDatabase('background_work');

  async function readyUpload(): Promise<string> {
    const upload = newUploadRow('dave');
    const { id, originalKey: key } = upload;
    await insertUpload(db.prisma, upload);
    await new ObjectOutcomeRepository(db.prisma).record({
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
      sha256: null,
    });
    return id;
  }

  it('leaves images READY for less than the minimum age alone, and claims them once asked without one', async () => {
    const id = await readyUpload();
    const thumbnails = new UploadMaintenanceRepository(db.prisma);
    const renditions = new RenditionRepository(db.prisma);

    expect(await thumbnails.claimThumbnailWork(0, 10, 600)).toEqual([]);
    expect(await renditions.claimWork(['card'], 10, 600)).toEqual([]);

    expect((await thumbnails.claimThumbnailWork(0, 10)).map((w) => w.uploadId)).toEqual([id]);
    expect((await renditions.claimWork(['card'], 10)).map((w) => w.uploadId)).toEqual([id]);
  });
});
