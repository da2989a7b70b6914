import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { EndedMultipartSession, UploadMaintenanceRepository } from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';
import { BackgroundItems } from '../scheduling/background-items';

/** Aborts the S3 multipart uploads of sessions that ended, each isolated (BackgroundItems). */
@Injectable()
export class MultipartCloseJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly maintenance: UploadMaintenanceRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly items: BackgroundItems,
  ) {}

  /** Returns how many sessions were closed, of at most `limit`. */
  async run(limit: number): Promise<number> {
    let closed = 0;
    for (const session of await this.maintenance.findEndedMultipartSessions(
      this.config.sweep.expiryGraceSeconds,
      limit,
    )) {
      const outcome = await this.items.run('multipart', session.id, () => this.close(session));
      if (outcome.ok) closed++;
    }
    return closed;
  }

  /**
   * Aborts the session's S3 multipart upload (one already completed or aborted counts as done),
   * and any other multipart upload under the same key — one the lifecycle rule would otherwise
   * keep, parts and cost, for a day — then records that nothing more is to be done.
   */
  private async close(session: EndedMultipartSession): Promise<void> {
    const bucket = this.config.storage.originalsBucket;
    await this.storage.abortMultipartUpload(bucket, session.originalKey, session.multipartUploadId);
    for (const stray of await this.storage.listMultipartUploads(bucket, session.originalKey)) {
      // The prefix also matches longer keys; only this key's uploads are this upload's.
      if (stray.key === session.originalKey) await this.storage.abortMultipartUpload(bucket, stray.key, stray.uploadId);
    }
    await this.maintenance.markMultipartClosed(session.id);
  }
}
