import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { thumbnailKey, UploadEventMessage, userKeyFor } from '@lib/contracts';
import { OverdueUpload, ThumbnailWork, UploadMaintenanceRepository } from '@lib/database';
import { renderThumbnail } from '@lib/imaging';
import { QueueRepository } from '@lib/queue';
import { ObjectStorageRepository } from '@lib/storage';
import { RenditionService } from '../renditions/rendition.service';

const BATCH = 20;

export interface SweepReport {
  thumbnailsMade: number;
  renditionsMade: number;
  expired: number;
  reconciled: number;
}

/**
 * The worker's periodic chores: make thumbnails that never arrived from the client, and
 * settle PENDING uploads whose URLs expired.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly maintenance: UploadMaintenanceRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly queue: QueueRepository,
    private readonly renditions: RenditionService,
  ) {}

  async sweep(): Promise<SweepReport> {
    const report = { thumbnailsMade: 0, renditionsMade: 0, expired: 0, reconciled: 0 };
    const minAge = await this.backgroundMinAgeSeconds();
    for (const work of await this.maintenance.claimThumbnailWork(this.config.thumbnails.waitSeconds, BATCH, minAge)) {
      if (await this.makeThumbnail(work)) report.thumbnailsMade++;
    }
    report.renditionsMade = await this.renditions.makeMissing(minAge);
    for (const upload of await this.maintenance.findOverduePending(this.config.sweep.expiryGraceSeconds, BATCH)) {
      const outcome = await this.settleOverdue(upload);
      report[outcome]++;
    }
    if (report.thumbnailsMade + report.renditionsMade + report.expired + report.reconciled > 0) {
      this.logger.log({ msg: 'sweep done', ...report });
    }
    return report;
  }

  /**
   * Clients wait for READY; thumbnails and renditions come after it, and each costs S3 reads,
   * writes and (for a generated thumbnail) one more message of its own. So while the uploads
   * queue has a backlog they are made only for images READY at least `maxDeferSeconds` ago:
   * a burst is judged first, and under a backlog that never ends nothing waits longer than that.
   */
  private async backgroundMinAgeSeconds(): Promise<number> {
    const { yieldBacklog, maxDeferSeconds } = this.config.sweep;
    if (yieldBacklog === 0) return 0;
    try {
      const { visible } = await this.queue.depth(this.config.queue.uploadsQueueUrl);
      return visible >= yieldBacklog ? maxDeferSeconds : 0;
    } catch (error) {
      // Not knowing the backlog is no reason to hold anything back.
      this.logger.warn({ msg: 'uploads backlog unknown; not yielding', error: String(error) });
      return 0;
    }
  }

  /**
   * Writes the thumbnail to S3 like a client would; its object-created event then goes
   * through the same verification as a client's thumbnail.
   */
  private async makeThumbnail(work: ThumbnailWork): Promise<boolean> {
    const source = await this.storage.openStream(work.originalBucket, work.originalKey);
    if (!source) return false;
    const thumbnail = await renderThumbnail(source, {
      maxSide: this.config.thumbnails.maxSide,
      maxPixels: this.config.inspection.maxPixels,
    });
    const key = thumbnailKey(userKeyFor(this.config.userKeySecret, work.userId), work.uploadId);
    await this.maintenance.useGeneratedThumbnail(work.uploadId, key, thumbnail.contentType, thumbnail.body.length);
    await this.storage.put(this.config.storage.thumbnailsBucket, key, thumbnail.body, thumbnail.contentType);
    return true;
  }

  /**
   * An overdue upload whose object exists lost its event (or it is still queued behind a
   * backlog): re-announce it rather than expire bytes S3 accepted. One without an object
   * expired for real; a lone thumbnail is then a stray and goes.
   */
  private async settleOverdue(upload: OverdueUpload): Promise<'expired' | 'reconciled'> {
    const bucket = this.config.storage.originalsBucket;
    const head = await this.storage.head(bucket, upload.originalKey);
    if (head) {
      const message: UploadEventMessage = {
        v: 1,
        bucket,
        key: upload.originalKey,
        size: head.size,
        eTag: head.eTag,
        // Lower than any real sequencer: a real event for the object always wins.
        sequencer: '0',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Reconciled',
      };
      await this.queue.send(this.config.queue.uploadsQueueUrl, JSON.stringify(message));
      return 'reconciled';
    }
    if (await this.maintenance.markExpired(upload.id)) {
      if (upload.thumbnailKey) await this.storage.delete(this.config.storage.thumbnailsBucket, upload.thumbnailKey);
    }
    return 'expired';
  }
}
