import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { THUMBNAIL_RENDITION } from '@lib/contracts';
import { ThumbnailWork, UploadMaintenanceRepository } from '@lib/database';
import { renderThumbnail } from '@lib/imaging';
import { RenditionService, verifiedOriginal } from '../renditions/rendition.service';
import { BackgroundItems } from '../scheduling/background-items';

/**
 * Makes the served thumbnail (`thumb`) of READY images that have none: at once when the client
 * sent none, after THUMBNAIL_WAIT_SECONDS when it said it would. Each upload runs isolated
 * (BackgroundItems); a failed one hands its claim back and waits out its backoff.
 */
@Injectable()
export class ThumbnailJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly maintenance: UploadMaintenanceRepository,
    private readonly renditions: RenditionService,
    private readonly items: BackgroundItems,
  ) {}

  /** Returns how many thumbnails were made, of at most `limit`; only for images READY `minAgeSeconds` ago. */
  async run(limit: number, minAgeSeconds: number): Promise<number> {
    let made = 0;
    for (const work of await this.maintenance.claimThumbnailWork(
      this.config.thumbnails.waitSeconds,
      limit,
      minAgeSeconds,
    )) {
      const outcome = await this.items.run('thumbnail', work.uploadId, () => this.make(work));
      if (outcome.ok && outcome.value) made++;
      if (!outcome.ok) await this.maintenance.releaseThumbnailClaim(work.uploadId).catch(() => undefined);
    }
    return made;
  }

  /**
   * A thumbnail made from the verified version of the original (never the bytes a client
   * sent), stored as the upload's served `thumb`.
   */
  private async make(work: ThumbnailWork): Promise<boolean> {
    const thumbnail = await this.renditions.withVerifiedOriginal(work, (file) =>
      renderThumbnail(file, {
        maxSide: this.config.thumbnails.maxSide,
        maxPixels: this.config.inspection.maxPixels,
        timeoutSeconds: this.config.inspection.decodeTimeoutSeconds,
      }),
    );
    return this.renditions.store(work.uploadId, work.userId, THUMBNAIL_RENDITION, thumbnail, verifiedOriginal(work));
  }
}
