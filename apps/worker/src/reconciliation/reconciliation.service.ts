import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { UploadEventMessage } from '@lib/contracts';
import { OverdueUpload } from '@lib/database';
import { QueueRepository } from '@lib/queue';
import { ObjectStorageRepository } from '@lib/storage';

/**
 * Finds the S3 events that never arrived. The expiry pass asks here first about each overdue
 * PENDING upload: one whose object exists lost its event (or it is still queued behind a
 * backlog), so it is announced again rather than expired with bytes S3 accepted.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly storage: ObjectStorageRepository,
    private readonly queue: QueueRepository,
  ) {}

  /** true when the upload's object exists and its event was sent again; false when there is none. */
  async reannounceIfStored(upload: OverdueUpload): Promise<boolean> {
    const bucket = this.config.storage.originalsBucket;
    const head = await this.storage.head(bucket, upload.originalKey);
    if (!head) return false;
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
    return true;
  }
}
