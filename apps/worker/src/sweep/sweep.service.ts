import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { QueueRepository } from '@lib/queue';
import { ExpiryJob } from '../expiry/expiry.job';
import { MultipartCloseJob } from '../multipart/multipart-close.job';
import { RenditionService } from '../renditions/rendition.service';
import { ThumbnailJob } from '../thumbnails/thumbnail.job';

/** How many items the thumbnail, expiry and multipart jobs take on in one sweep each. */
const BATCH = 20;

export interface SweepReport {
  thumbnailsMade: number;
  renditionsMade: number;
  expired: number;
  reconciled: number;
  multipartAborted: number;
}

/**
 * The worker's periodic chores, in order: thumbnails that never arrived from the client,
 * missing renditions, PENDING uploads whose URLs expired (reconciled or expired), and the S3
 * multipart uploads of sessions that ended. Each job isolates its own items (BackgroundItems).
 */
@Injectable()
export class SweepService {
  private readonly logger = new Logger(SweepService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly queue: QueueRepository,
    private readonly thumbnails: ThumbnailJob,
    private readonly renditions: RenditionService,
    private readonly expiry: ExpiryJob,
    private readonly multipart: MultipartCloseJob,
  ) {}

  async sweep(): Promise<SweepReport> {
    const minAge = await this.backgroundMinAgeSeconds();
    const thumbnailsMade = await this.thumbnails.run(BATCH, minAge);
    const renditionsMade = await this.renditions.makeMissing(minAge);
    const { expired, reconciled } = await this.expiry.run(BATCH);
    // After expiry, so a session that just expired is aborted in the same sweep.
    const multipartAborted = await this.multipart.run(BATCH);
    const report = { thumbnailsMade, renditionsMade, expired, reconciled, multipartAborted };
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
}
