import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { THUMBNAIL_RENDITION, UploadEventMessage } from '@lib/contracts';
import { EndedMultipartSession, OverdueUpload, ThumbnailWork, UploadMaintenanceRepository } from '@lib/database';
import { renderThumbnail } from '@lib/imaging';
import { QueueRepository } from '@lib/queue';
import { ObjectStorageRepository } from '@lib/storage';
import { RenditionService, verifiedOriginal } from '../renditions/rendition.service';
import { BackgroundItems } from './background-items';

const BATCH = 20;

export interface SweepReport {
  thumbnailsMade: number;
  renditionsMade: number;
  expired: number;
  reconciled: number;
  multipartAborted: number;
}

/**
 * The worker's periodic chores: make thumbnails that never arrived from the client, settle
 * PENDING uploads whose URLs expired, and abort the S3 multipart uploads of sessions that ended.
 * Each item runs isolated (BackgroundItems).
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
    private readonly items: BackgroundItems,
  ) {}

  async sweep(): Promise<SweepReport> {
    const report = { thumbnailsMade: 0, renditionsMade: 0, expired: 0, reconciled: 0, multipartAborted: 0 };
    const minAge = await this.backgroundMinAgeSeconds();
    // Every item on its own: a failing one is retried with backoff and never stops the rest.
    for (const work of await this.maintenance.claimThumbnailWork(this.config.thumbnails.waitSeconds, BATCH, minAge)) {
      const outcome = await this.items.run('thumbnail', work.uploadId, () => this.makeThumbnail(work));
      if (outcome.ok && outcome.value) report.thumbnailsMade++;
      if (!outcome.ok) await this.maintenance.releaseThumbnailClaim(work.uploadId).catch(() => undefined);
    }
    report.renditionsMade = await this.renditions.makeMissing(minAge);
    for (const upload of await this.maintenance.findOverduePending(this.config.sweep.expiryGraceSeconds, BATCH)) {
      const outcome = await this.items.run('expiry', upload.id, () => this.settleOverdue(upload));
      if (outcome.ok) report[outcome.value]++;
    }
    // After expiry, so a session that just expired is aborted in the same sweep.
    const grace = this.config.sweep.expiryGraceSeconds;
    for (const session of await this.maintenance.findEndedMultipartSessions(grace, BATCH)) {
      const outcome = await this.items.run('multipart', session.id, () => this.closeMultipart(session));
      if (outcome.ok) report.multipartAborted++;
    }
    if (Object.values(report).some((count) => count > 0)) {
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
   * A thumbnail made from the verified version of the original (never the bytes a client
   * sent), stored as the upload's served `thumb`.
   */
  private async makeThumbnail(work: ThumbnailWork): Promise<boolean> {
    const thumbnail = await this.renditions.withVerifiedOriginal(work, (file) =>
      renderThumbnail(file, {
        maxSide: this.config.thumbnails.maxSide,
        maxPixels: this.config.inspection.maxPixels,
        timeoutSeconds: this.config.inspection.decodeTimeoutSeconds,
      }),
    );
    return this.renditions.store(work.uploadId, work.userId, THUMBNAIL_RENDITION, thumbnail, verifiedOriginal(work));
  }

  /**
   * Aborts the session's S3 multipart upload (one already completed or aborted counts as done),
   * and any other multipart upload under the same key — one the lifecycle rule would otherwise
   * keep, parts and cost, for a day — then records that nothing more is to be done.
   */
  private async closeMultipart(session: EndedMultipartSession): Promise<void> {
    const bucket = this.config.storage.originalsBucket;
    await this.storage.abortMultipartUpload(bucket, session.originalKey, session.multipartUploadId);
    for (const stray of await this.storage.listMultipartUploads(bucket, session.originalKey)) {
      // The prefix also matches longer keys; only this key's uploads are this upload's.
      if (stray.key === session.originalKey) await this.storage.abortMultipartUpload(bucket, stray.key, stray.uploadId);
    }
    await this.maintenance.markMultipartClosed(session.id);
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
