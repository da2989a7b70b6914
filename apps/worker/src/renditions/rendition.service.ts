import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { renditionKey, userKeyFor } from '@lib/contracts';
import { RenditionRepository, RenditionWork } from '@lib/database';
import { renderRenditions } from '@lib/imaging';
import { ObjectStorageRepository } from '@lib/storage';

const BATCH = 10;

/**
 * Makes the standard sizes (card, large, ...) of READY images. `thumb` is not made here: it
 * is the upload's thumbnail, the client's or the one the maintenance sweep renders.
 */
@Injectable()
export class RenditionService {
  private readonly logger = new Logger(RenditionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly renditions: RenditionRepository,
    private readonly storage: ObjectStorageRepository,
  ) {}

  /** Returns how many uploads got their missing renditions; only images READY `minAgeSeconds` ago. */
  async makeMissing(minAgeSeconds = 0): Promise<number> {
    const presets = this.config.storage.renditionPresets.filter((p) => p.name !== 'thumb');
    let made = 0;
    for (const work of await this.renditions.claimWork(
      presets.map((p) => p.name),
      BATCH,
      minAgeSeconds,
    )) {
      try {
        if (await this.make(work, presets)) made++;
      } catch (error) {
        // One bad original must not stop the batch; its claim expires and it is tried again.
        this.logger.warn({ msg: 'renditions failed', uploadId: work.uploadId, error: String(error) });
      }
    }
    return made;
  }

  private async make(work: RenditionWork, presets: WorkerConfig['storage']['renditionPresets']): Promise<boolean> {
    const source = await this.storage.openStream(work.originalBucket, work.originalKey);
    if (!source) return false;
    const wanted = presets.filter((p) => work.missing.includes(p.name));
    const rendered = await renderRenditions(source, wanted, { maxPixels: this.config.inspection.maxPixels });
    const bucket = this.config.storage.thumbnailsBucket;
    for (const [name, image] of rendered) {
      const key = renditionKey(userKeyFor(this.config.userKeySecret, work.userId), work.uploadId, name, 'webp');
      // Object first, row second: the API only links renditions whose bytes exist.
      await this.storage.put(bucket, key, image.body, image.contentType);
      const saved = await this.renditions.save({
        uploadId: work.uploadId,
        name,
        bucket,
        key,
        contentType: image.contentType,
        bytes: image.body.length,
        width: image.width,
        height: image.height,
      });
      if (saved === 'upload-gone') {
        // The image was deleted while it was rendered: the API deleted the objects it knew of,
        // and this one it could not, so it goes now rather than stay behind unlisted.
        await this.storage.delete(bucket, key);
        this.logger.log({ msg: 'rendition dropped: image deleted meanwhile', uploadId: work.uploadId });
        return false;
      }
    }
    return true;
  }
}
